import type Database from 'better-sqlite3';
import { Settings } from '../../shared/ipc.js';

export const DEFAULT_SETTINGS: Settings = {
  serverUrl: 'http://127.0.0.1:8080',
  hostName: 'Host',
  micDeviceId: null,
  monitorDeviceId: null,
};

/**
 * Settings as one validated JSON document in SQLite. A stored value that no longer validates
 * (older version, hand edit) falls back to the default for that field, never a crash.
 */
export class SettingsStore {
  constructor(
    private readonly db: Database.Database,
    private readonly defaults: Settings = DEFAULT_SETTINGS,
  ) {}

  get(): Settings {
    const row = this.db.prepare(`SELECT value FROM settings WHERE key = 'studio'`).get() as { value: string } | undefined;
    let stored: Record<string, unknown> = {};
    try {
      stored = row ? (JSON.parse(row.value) as Record<string, unknown>) : {};
    } catch {
      stored = {};
    }
    const merged: Record<string, unknown> = { ...this.defaults };
    for (const key of Object.keys(Settings.shape) as (keyof Settings)[]) {
      const field = Settings.shape[key].safeParse(stored[key]);
      if (field.success) merged[key] = field.data;
    }
    return Settings.parse(merged);
  }

  update(patch: Partial<Settings>): Settings {
    const next = Settings.parse({ ...this.get(), ...patch });
    this.db.prepare(`INSERT INTO settings (key, value) VALUES ('studio', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(JSON.stringify(next));
    return next;
  }
}
