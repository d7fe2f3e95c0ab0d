import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ListenVia } from '../../shared/analytics.js';
import type { Schema } from '../../shared/sqlite.js';

/** The analytics tables, by schema version (see ../database.ts). */
export const ANALYTICS_SCHEMA: Schema = {
  // Listener analytics (issue 22): sessions (a listener is an HMAC with the Space's salt), talk spans, reaction counts.
  6: `CREATE TABLE analytics_salts (space_id TEXT PRIMARY KEY, salt TEXT NOT NULL);
   CREATE TABLE analytics_sessions (
     id TEXT PRIMARY KEY,
     space_id TEXT NOT NULL,
     listener TEXT NOT NULL,
     via TEXT NOT NULL CHECK (via IN ('webrtc', 'hls', 'replay', 'clip')),
     started_at INTEGER NOT NULL,
     ended_at INTEGER NOT NULL,
     max_position_ms INTEGER
   );
   CREATE INDEX analytics_sessions_space ON analytics_sessions(space_id, started_at);
   CREATE TABLE analytics_talk (space_id TEXT NOT NULL, name TEXT NOT NULL, started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL);
   CREATE INDEX analytics_talk_space ON analytics_talk(space_id, started_at);
   CREATE TABLE analytics_reactions (space_id TEXT PRIMARY KEY, n INTEGER NOT NULL);`,
};

/** One listening session as stored (a listener key is an HMAC, never an account or guest id). */
export interface SessionRow {
  id: string;
  space_id: string;
  listener: string;
  via: ListenVia;
  started_at: number;
  ended_at: number;
  max_position_ms: number | null;
}

export interface TalkRow {
  space_id: string;
  name: string;
  started_at: number;
  ended_at: number;
}

/** Analytics rows (issue 22): written in batches by the service, never on a listener's join path. */
export class AnalyticsStore {
  constructor(private readonly db: Database.Database) {}

  /** The Space's salt for listener keys (made on first use). */
  salt(spaceId: string): string {
    const row = this.db.prepare(`SELECT salt FROM analytics_salts WHERE space_id = ?`).get(spaceId) as { salt: string } | undefined;
    if (row) return row.salt;
    const salt = randomBytes(16).toString('hex');
    this.db.prepare(`INSERT OR IGNORE INTO analytics_salts (space_id, salt) VALUES (?, ?)`).run(spaceId, salt);
    return this.salt(spaceId);
  }

  /** Writes finished sessions, talk spans and reaction counts in one transaction. */
  write(batch: { sessions: SessionRow[]; talk: TalkRow[]; reactions: Map<string, number> }): void {
    const s = this.db.prepare(
      `INSERT OR REPLACE INTO analytics_sessions (id, space_id, listener, via, started_at, ended_at, max_position_ms) VALUES (@id, @space_id, @listener, @via, @started_at, @ended_at, @max_position_ms)`,
    );
    const t = this.db.prepare(`INSERT INTO analytics_talk (space_id, name, started_at, ended_at) VALUES (@space_id, @name, @started_at, @ended_at)`);
    const r = this.db.prepare(`INSERT INTO analytics_reactions (space_id, n) VALUES (?, ?) ON CONFLICT(space_id) DO UPDATE SET n = n + excluded.n`);
    this.db.transaction(() => {
      for (const row of batch.sessions) s.run(row);
      for (const row of batch.talk) t.run(row);
      for (const [spaceId, n] of batch.reactions) r.run(spaceId, n);
    })();
  }

  sessions(spaceId: string): SessionRow[] {
    return this.db.prepare(`SELECT * FROM analytics_sessions WHERE space_id = ? ORDER BY started_at`).all(spaceId) as SessionRow[];
  }

  talk(spaceId: string): TalkRow[] {
    return this.db.prepare(`SELECT * FROM analytics_talk WHERE space_id = ? ORDER BY started_at`).all(spaceId) as TalkRow[];
  }

  reactions(spaceId: string): number {
    return (this.db.prepare(`SELECT n FROM analytics_reactions WHERE space_id = ?`).get(spaceId) as { n: number } | undefined)?.n ?? 0;
  }

  remindersSet(spaceId: string): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM reminders WHERE space_id = ?`).get(spaceId) as { n: number }).n;
  }
}
