import type Database from 'better-sqlite3';
import type { Schema } from '../../shared/sqlite.js';

/** The recording's tables, by schema version (see ../database.ts). */
export const RECORDING_SCHEMA: Schema = {
  // Recording (issue 12): one recording per Space, its HLS segments (run = one recorder process;
  // a new run after a crash or restart = a marked gap), clips, and tombstones of deleted ones.
  5: `CREATE TABLE recordings (
     space_id TEXT PRIMARY KEY REFERENCES spaces(id),
     on_now INTEGER NOT NULL,
     staff_account_ids TEXT NOT NULL DEFAULT '[]',
     transcript_origin_at INTEGER,
     created_at INTEGER NOT NULL,
     ended_at INTEGER
   );
   CREATE TABLE recording_segments (
     space_id TEXT NOT NULL REFERENCES recordings(space_id) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     run INTEGER NOT NULL,
     file TEXT NOT NULL,
     duration_ms INTEGER NOT NULL,
     position_ms INTEGER NOT NULL,
     started_at INTEGER NOT NULL,
     PRIMARY KEY (space_id, seq),
     UNIQUE (space_id, file)
   );
   CREATE TABLE clips (
     id TEXT PRIMARY KEY,
     space_id TEXT NOT NULL REFERENCES recordings(space_id) ON DELETE CASCADE,
     start_ms INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL,
     created_by TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE recording_tombstones (
     space_id TEXT PRIMARY KEY REFERENCES spaces(id),
     reason TEXT NOT NULL CHECK (reason IN ('expired', 'deleted')),
     at INTEGER NOT NULL
   );`,
};

export interface RecordingRow {
  space_id: string;
  on_now: number;
  staff_account_ids: string;
  transcript_origin_at: number | null;
  created_at: number;
  ended_at: number | null;
}

export interface SegmentRow {
  seq: number;
  run: number;
  file: string;
  duration_ms: number;
  position_ms: number;
  started_at: number;
}

export interface ClipRow {
  id: string;
  space_id: string;
  start_ms: number;
  duration_ms: number;
  created_by: string;
  created_at: number;
}

export type Tombstone = 'expired' | 'deleted';

/** Every SQL statement of the recording feature: recordings, their segments, clips and tombstones. */
export class RecordingStore {
  constructor(private readonly db: Database.Database) {}

  // ---- recordings ----

  row(spaceId: string): RecordingRow | undefined {
    return this.db.prepare(`SELECT * FROM recordings WHERE space_id = ?`).get(spaceId) as RecordingRow | undefined;
  }

  /** Creates the recording with the host's flag, or sets the flag of the existing one. */
  upsert(spaceId: string, on: boolean, at: number): RecordingRow {
    this.db
      .prepare(`INSERT INTO recordings (space_id, on_now, created_at) VALUES (?, ?, ?) ON CONFLICT(space_id) DO UPDATE SET on_now = excluded.on_now`)
      .run(spaceId, on ? 1 : 0, at);
    return this.row(spaceId)!;
  }

  /** The Space ended: the recording is closed and keeps who may read it (owner first, then co-hosts). */
  close(spaceId: string, endedAt: number, staffAccountIds: string[]): void {
    this.db
      .prepare(`UPDATE recordings SET ended_at = ?, on_now = 0, staff_account_ids = ? WHERE space_id = ?`)
      .run(endedAt, JSON.stringify(staffAccountIds), spaceId);
  }

  setTranscriptOrigin(spaceId: string, origin: number): void {
    this.db.prepare(`UPDATE recordings SET transcript_origin_at = ? WHERE space_id = ?`).run(origin, spaceId);
  }

  /** Recordings closed at or before `cutoff` (past retention). */
  endedBefore(cutoff: number): string[] {
    return (this.db.prepare(`SELECT space_id FROM recordings WHERE ended_at IS NOT NULL AND ended_at <= ?`).all(cutoff) as { space_id: string }[]).map(
      (r) => r.space_id,
    );
  }

  /** Open recordings of Spaces that have ended (the server was not there to close them). */
  interrupted(): { space_id: string; host_account_id: string; ended_at: number | null }[] {
    return this.db
      .prepare(
        `SELECT r.space_id, s.host_account_id, s.ended_at FROM recordings r JOIN spaces s ON s.id = r.space_id WHERE r.ended_at IS NULL AND s.state = 'ended'`,
      )
      .all() as { space_id: string; host_account_id: string; ended_at: number | null }[];
  }

  /** Deletes the recording (segments and clips cascade) and leaves a tombstone saying why. */
  remove(spaceId: string, reason: Tombstone, at: number): void {
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM recordings WHERE space_id = ?`).run(spaceId);
      this.db.prepare(`INSERT OR REPLACE INTO recording_tombstones (space_id, reason, at) VALUES (?, ?, ?)`).run(spaceId, reason, at);
    })();
  }

  // ---- tombstones ----

  tombstone(spaceId: string): Tombstone | null {
    const t = this.db.prepare(`SELECT reason FROM recording_tombstones WHERE space_id = ?`).get(spaceId) as { reason: Tombstone } | undefined;
    return t?.reason ?? null;
  }

  clearTombstone(spaceId: string): void {
    this.db.prepare(`DELETE FROM recording_tombstones WHERE space_id = ?`).run(spaceId);
  }

  // ---- segments ----

  segments(spaceId: string): SegmentRow[] {
    return this.db.prepare(`SELECT seq, run, file, duration_ms, position_ms, started_at FROM recording_segments WHERE space_id = ? ORDER BY seq`).all(spaceId) as SegmentRow[];
  }

  /** The newest `n` segments, oldest first. */
  newestSegments(spaceId: string, n: number): SegmentRow[] {
    return (
      this.db
        .prepare(`SELECT seq, run, file, duration_ms, position_ms, started_at FROM recording_segments WHERE space_id = ? ORDER BY seq DESC LIMIT ?`)
        .all(spaceId, n) as SegmentRow[]
    ).reverse();
  }

  lastSegment(spaceId: string): SegmentRow | undefined {
    return this.db
      .prepare(`SELECT seq, run, file, duration_ms, position_ms, started_at FROM recording_segments WHERE space_id = ? ORDER BY seq DESC LIMIT 1`)
      .get(spaceId) as SegmentRow | undefined;
  }

  /** Where the recording ends now (ms), or undefined without segments. */
  endMs(spaceId: string): number | undefined {
    const last = this.db.prepare(`SELECT position_ms + duration_ms AS end FROM recording_segments WHERE space_id = ? ORDER BY seq DESC LIMIT 1`).get(spaceId) as
      | { end: number }
      | undefined;
    return last?.end;
  }

  maxSeq(spaceId: string): number | null {
    return (this.db.prepare(`SELECT MAX(seq) AS s FROM recording_segments WHERE space_id = ?`).get(spaceId) as { s: number | null }).s;
  }

  maxRun(spaceId: string): number | null {
    return (this.db.prepare(`SELECT MAX(run) AS r FROM recording_segments WHERE space_id = ?`).get(spaceId) as { r: number | null }).r;
  }

  /** How many distinct runs the segments up to `seq` belong to. */
  runsUpTo(spaceId: string, seq: number): number {
    return (this.db.prepare(`SELECT COUNT(DISTINCT run) AS n FROM recording_segments WHERE space_id = ? AND seq <= ?`).get(spaceId, seq) as { n: number }).n;
  }

  hasSegment(spaceId: string, file: string): boolean {
    return !!this.db.prepare(`SELECT 1 FROM recording_segments WHERE space_id = ? AND file = ?`).get(spaceId, file);
  }

  /** The files of the segments of runs from `run` on. */
  filesFromRun(spaceId: string, run: number): Set<string> {
    return new Set((this.db.prepare(`SELECT file FROM recording_segments WHERE space_id = ? AND run >= ?`).all(spaceId, run) as { file: string }[]).map((r) => r.file));
  }

  /** Appends segments in one transaction (a segment already stored is left as it is). */
  appendSegments(spaceId: string, segs: SegmentRow[]): void {
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO recording_segments (space_id, seq, run, file, duration_ms, position_ms, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const s of segs) insert.run(spaceId, s.seq, s.run, s.file, s.duration_ms, s.position_ms, s.started_at);
    })();
  }

  // ---- clips ----

  clipCount(spaceId: string): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM clips WHERE space_id = ?`).get(spaceId) as { n: number }).n;
  }

  addClip(c: ClipRow): void {
    this.db
      .prepare(`INSERT INTO clips (id, space_id, start_ms, duration_ms, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(c.id, c.space_id, c.start_ms, c.duration_ms, c.created_by, c.created_at);
  }

  clip(id: string): ClipRow | undefined {
    return this.db.prepare(`SELECT * FROM clips WHERE id = ?`).get(id) as ClipRow | undefined;
  }
}
