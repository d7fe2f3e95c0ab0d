import type Database from 'better-sqlite3';
import type { Schema } from '../../shared/sqlite.js';
import type { SpacePublic, SpaceState } from '../../shared/space.js';
import type { SavedMember } from './room.js';

/** The Spaces' tables, by schema version (see ../database.ts). */
export const SPACES_SCHEMA: Schema = {
  1: `CREATE TABLE spaces (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     title TEXT NOT NULL,
     host_account_id TEXT NOT NULL REFERENCES accounts(id),
     host_handle TEXT NOT NULL,
     host_name TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('scheduled', 'live', 'ended')),
     created_at INTEGER NOT NULL,
     started_at INTEGER,
     ended_at INTEGER
   );
   CREATE INDEX spaces_state ON spaces(state);
   -- Removals are permanent: a removed member cannot rejoin that Space.
   CREATE TABLE space_removals (
     space_id TEXT NOT NULL REFERENCES spaces(id),
     member_id TEXT NOT NULL,
     removed_at INTEGER NOT NULL,
     PRIMARY KEY (space_id, member_id)
   );`,
  // Who holds a role in a Space (and pending requests), so a server restart keeps the stage.
  3: `CREATE TABLE space_members (
     space_id TEXT NOT NULL REFERENCES spaces(id),
     member_id TEXT NOT NULL,
     account_id TEXT,
     handle TEXT,
     display_name TEXT NOT NULL,
     role TEXT NOT NULL,
     requested_at INTEGER,
     invited INTEGER NOT NULL,
     muted INTEGER NOT NULL,
     joined_at INTEGER NOT NULL,
     PRIMARY KEY (space_id, member_id)
   );`,
};

export interface SpaceRow {
  seq: number;
  id: string;
  title: string;
  host_name: string;
  host_account_id: string;
  host_handle: string;
  state: SpaceState;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
}

/** Persistence of Spaces; the one place SQL about Spaces lives. */
export class SpaceStore {
  private readonly insertStmt;
  private readonly byIdStmt;
  private readonly byStateStmt;
  private readonly setStateStmt;

  constructor(readonly db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO spaces (id, title, host_name, host_account_id, host_handle, state, created_at) VALUES (?, ?, ?, ?, ?, 'scheduled', ?)`,
    );
    this.byIdStmt = db.prepare(`SELECT * FROM spaces WHERE id = ?`);
    this.byStateStmt = db.prepare(`SELECT * FROM spaces WHERE state = ?`);
    this.setStateStmt = db.prepare(
      `UPDATE spaces SET state = @state, started_at = COALESCE(started_at, @startedAt), ended_at = @endedAt WHERE id = @id`,
    );
  }

  insert(s: { id: string; title: string; hostName: string; hostAccountId: string; hostHandle: string; now: number }): SpaceRow {
    this.insertStmt.run(s.id, s.title, s.hostName, s.hostAccountId, s.hostHandle, s.now);
    return this.get(s.id)!;
  }

  get(id: string): SpaceRow | undefined {
    return this.byIdStmt.get(id) as SpaceRow | undefined;
  }

  withState(state: SpaceState): SpaceRow[] {
    return this.byStateStmt.all(state) as SpaceRow[];
  }

  setHost(id: string, account: { id: string; handle: string; displayName: string }): SpaceRow {
    this.db.prepare(`UPDATE spaces SET host_account_id = ?, host_handle = ?, host_name = ? WHERE id = ?`).run(account.id, account.handle, account.displayName, id);
    return this.get(id)!;
  }

  removals(spaceId: string): string[] {
    return (this.db.prepare(`SELECT member_id FROM space_removals WHERE space_id = ?`).all(spaceId) as { member_id: string }[]).map((r) => r.member_id);
  }

  /** Replaces the saved roles of a Space (one transaction). */
  saveMembers(spaceId: string, members: SavedMember[]): void {
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM space_members WHERE space_id = ?`).run(spaceId);
      const insert = this.db.prepare(
        `INSERT INTO space_members (space_id, member_id, account_id, handle, display_name, role, requested_at, invited, muted, joined_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const m of members) insert.run(spaceId, m.id, m.accountId, m.handle, m.displayName, m.role, m.requestedAt, m.invited ? 1 : 0, m.muted ? 1 : 0, m.joinedAt);
    })();
  }

  loadMembers(spaceId: string): SavedMember[] {
    const rows = this.db.prepare(`SELECT * FROM space_members WHERE space_id = ?`).all(spaceId) as {
      member_id: string; account_id: string | null; handle: string | null; display_name: string; role: string; requested_at: number | null; invited: number; muted: number; joined_at: number;
    }[];
    return rows.map((r) => ({
      id: r.member_id as SavedMember['id'],
      accountId: r.account_id,
      handle: r.handle,
      displayName: r.display_name,
      role: r.role as SavedMember['role'],
      requestedAt: r.requested_at,
      invited: r.invited === 1,
      muted: r.muted === 1,
      joinedAt: r.joined_at,
    }));
  }

  addRemoval(spaceId: string, memberId: string, now: number): void {
    this.db.prepare(`INSERT OR IGNORE INTO space_removals (space_id, member_id, removed_at) VALUES (?, ?, ?)`).run(spaceId, memberId, now);
  }

  /** A scheduled Space's title changed (the schedule's fields are the source). */
  setTitle(id: string, title: string): void {
    this.db.prepare(`UPDATE spaces SET title = ? WHERE id = ?`).run(title, id);
  }

  setState(id: string, state: SpaceState, now: number): SpaceRow {
    this.setStateStmt.run({
      id,
      state,
      startedAt: state === 'live' ? now : null,
      endedAt: state === 'ended' ? now : null,
    });
    return this.get(id)!;
  }
}

export function toPublic(row: SpaceRow, listenerCount: number): SpacePublic {
  return {
    id: row.id,
    title: row.title,
    hostName: row.host_name,
    hostHandle: row.host_handle,
    state: row.state,
    listenerCount,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}
