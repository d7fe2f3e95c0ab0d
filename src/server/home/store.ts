import type Database from 'better-sqlite3';

export interface UpcomingRow {
  id: string;
  title: string;
  host_handle: string;
  host_name: string;
  starts_at: number;
  time_zone: string;
  /** Tickets on sale (null: not ticketed) and how many are taken. */
  ticket_count: number | null;
  tickets_issued: number;
}
export interface ReplayRow {
  id: string;
  title: string;
  host_handle: string;
  host_name: string;
  started_at: number | null;
  ended_at: number;
}
export interface ClipRow {
  id: string;
  space_id: string;
  title: string;
  duration_ms: number;
  created_at: number;
}

/** Read-only queries of the home pages (live Spaces come from the Space service: it knows the listener counts). */
export class HomeStore {
  constructor(private readonly db: Database.Database) {}

  liveIds(handle?: string): string[] {
    const rows = handle
      ? this.db.prepare(`SELECT id FROM spaces WHERE state = 'live' AND host_handle = ?`).all(handle)
      : this.db.prepare(`SELECT id FROM spaces WHERE state = 'live'`).all();
    return (rows as { id: string }[]).map((r) => r.id);
  }

  upcoming(now: number, opts: { handle?: string; q?: string; limit: number }): UpcomingRow[] {
    return this.db
      .prepare(
        `SELECT sp.id, sp.title, sp.host_handle, sp.host_name, s.starts_at, json_extract(s.fields, '$.timeZone') AS time_zone,
                json_extract(s.fields, '$.ticketing.count') AS ticket_count, (SELECT COUNT(*) FROM tickets t WHERE t.space_id = sp.id) AS tickets_issued
         FROM schedules s JOIN spaces sp ON sp.id = s.space_id
         WHERE s.status = 'scheduled' AND sp.state = 'scheduled' AND s.starts_at > ?
           AND (@handle IS NULL OR sp.host_handle = @handle)
           AND (@q IS NULL OR sp.title LIKE @q ESCAPE '\\' OR sp.host_handle LIKE @q ESCAPE '\\' OR sp.host_name LIKE @q ESCAPE '\\')
         ORDER BY s.starts_at LIMIT @limit`,
      )
      .all(now - 3600_000, { handle: opts.handle ?? null, q: like(opts.q), limit: opts.limit }) as UpcomingRow[];
  }

  /** Ended Spaces with a replay (recorded, not deleted or expired), newest first. */
  replays(opts: { handle?: string; q?: string; limit: number }): ReplayRow[] {
    return this.db
      .prepare(
        `SELECT sp.id, sp.title, sp.host_handle, sp.host_name, sp.started_at, sp.ended_at
         FROM spaces sp JOIN recordings r ON r.space_id = sp.id
         WHERE sp.state = 'ended' AND sp.ended_at IS NOT NULL
           AND EXISTS (SELECT 1 FROM recording_segments g WHERE g.space_id = sp.id)
           AND (@handle IS NULL OR sp.host_handle = @handle)
           AND (@q IS NULL OR sp.title LIKE @q ESCAPE '\\' OR sp.host_handle LIKE @q ESCAPE '\\' OR sp.host_name LIKE @q ESCAPE '\\')
         ORDER BY sp.ended_at DESC LIMIT @limit`,
      )
      .all({ handle: opts.handle ?? null, q: like(opts.q), limit: opts.limit }) as ReplayRow[];
  }

  clips(handle: string, limit: number): ClipRow[] {
    return this.db
      .prepare(
        `SELECT c.id, c.space_id, sp.title, c.duration_ms, c.created_at FROM clips c JOIN spaces sp ON sp.id = c.space_id
         WHERE sp.host_handle = ? ORDER BY c.created_at DESC LIMIT ?`,
      )
      .all(handle, limit) as ClipRow[];
  }

  clip(id: string): (ClipRow & { host_handle: string; host_name: string }) | undefined {
    return this.db
      .prepare(`SELECT c.id, c.space_id, sp.title, c.duration_ms, c.created_at, sp.host_handle, sp.host_name FROM clips c JOIN spaces sp ON sp.id = c.space_id WHERE c.id = ?`)
      .get(id) as (ClipRow & { host_handle: string; host_name: string }) | undefined;
  }

  scheduledStart(spaceId: string): { starts_at: number; time_zone: string } | undefined {
    return this.db.prepare(`SELECT starts_at, json_extract(fields, '$.timeZone') AS time_zone FROM schedules WHERE space_id = ?`).get(spaceId) as
      | { starts_at: number; time_zone: string }
      | undefined;
  }

  hasReplay(spaceId: string): boolean {
    return !!this.db.prepare(`SELECT 1 FROM recordings r WHERE r.space_id = ? AND r.ended_at IS NOT NULL AND EXISTS (SELECT 1 FROM recording_segments g WHERE g.space_id = r.space_id)`).get(spaceId);
  }

  isRecordingLive(spaceId: string): boolean {
    return !!this.db.prepare(`SELECT 1 FROM recordings r WHERE r.space_id = ? AND r.on_now = 1 AND EXISTS (SELECT 1 FROM recording_segments g WHERE g.space_id = r.space_id)`).get(spaceId);
  }
}

/** A LIKE pattern for a search, with % and _ taken literally; null for no search. */
function like(q: string | undefined): string | null {
  const t = q?.trim();
  return t ? `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
}
