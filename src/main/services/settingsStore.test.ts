import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, SettingsStore } from './settingsStore.js';
import { openStudioDb } from './studioDb.js';

describe('SettingsStore', () => {
  it('survives a restart', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'studio-')), 'studio.db');
    const db = openStudioDb(file);
    new SettingsStore(db).update({ hostName: 'Ann', monitorDeviceId: 'hp' });
    db.close();
    const again = openStudioDb(file);
    expect(new SettingsStore(again).get()).toMatchObject({ hostName: 'Ann', monitorDeviceId: 'hp' });
    again.close();
  });

  it('a corrupt or outdated stored value falls back to defaults field by field', () => {
    const db = openStudioDb(':memory:');
    const store = new SettingsStore(db);
    db.prepare(`INSERT INTO settings (key, value) VALUES ('studio', ?)`).run('{not json');
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    db.prepare(`UPDATE settings SET value = ? WHERE key = 'studio'`).run(JSON.stringify({ hostName: 'Ann', serverUrl: 42 }));
    expect(store.get()).toEqual({ ...DEFAULT_SETTINGS, hostName: 'Ann' });
    db.close();
  });

  it('an invalid update throws and stores nothing', () => {
    const db = openStudioDb(':memory:');
    const store = new SettingsStore(db);
    store.update({ hostName: 'Ann' });
    expect(() => store.update({ serverUrl: 'not a url' })).toThrow();
    expect(store.get().hostName).toBe('Ann');
    expect(store.get().serverUrl).toBe(DEFAULT_SETTINGS.serverUrl);
    db.close();
  });

  it('refuses a database from a newer version instead of corrupting it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'studio-')), 'studio.db');
    const db = openStudioDb(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openStudioDb(file)).toThrow(/newer version/);
  });
});
