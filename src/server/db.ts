import type Database from 'better-sqlite3';
import { openMigratedDb } from '../shared/sqlite.js';
import type { SpacePublic, SpaceState } from '../shared/space.js';
import type { MemberState } from './room.js';

/** Versioned migrations: index + 1 is the schema version (PRAGMA user_version). */
const MIGRATIONS = [
  `CREATE TABLE accounts (
     id TEXT PRIMARY KEY,
     handle TEXT NOT NULL UNIQUE,
     display_name TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE sessions (
     token_hash TEXT PRIMARY KEY,
     account_id TEXT NOT NULL REFERENCES accounts(id),
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     revoked_at INTEGER
   );
   CREATE TABLE follows (
     follower_id TEXT NOT NULL REFERENCES accounts(id),
     followee_id TEXT NOT NULL REFERENCES accounts(id),
     created_at INTEGER NOT NULL,
     PRIMARY KEY (follower_id, followee_id)
   );
   CREATE INDEX follows_followee ON follows(followee_id);
   CREATE TABLE spaces (
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
  // 2: scheduled Spaces (issue 6): fields + per-field clocks, idempotent writes, reminders, tickets.
  `CREATE TABLE schedules (
     space_id TEXT PRIMARY KEY REFERENCES spaces(id),
     host_account_id TEXT NOT NULL REFERENCES accounts(id),
     fields TEXT NOT NULL,
     clocks TEXT NOT NULL,
     starts_at INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('scheduled', 'started', 'cancelled')),
     version INTEGER NOT NULL
   );
   CREATE INDEX schedules_host_version ON schedules(host_account_id, version);
   CREATE INDEX schedules_version ON schedules(version);
   CREATE TABLE schedule_ops (
     account_id TEXT NOT NULL,
     key TEXT NOT NULL,
     result TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (account_id, key)
   );
   CREATE TABLE reminders (
     space_id TEXT NOT NULL REFERENCES spaces(id),
     account_id TEXT NOT NULL REFERENCES accounts(id),
     created_at INTEGER NOT NULL,
     PRIMARY KEY (space_id, account_id)
   );
   CREATE TABLE tickets (
     id TEXT PRIMARY KEY,
     space_id TEXT NOT NULL REFERENCES spaces(id),
     account_id TEXT NOT NULL REFERENCES accounts(id),
     method TEXT NOT NULL,
     amount_cents INTEGER NOT NULL,
     issued_at INTEGER NOT NULL,
     UNIQUE (space_id, account_id)
   );
   CREATE TABLE ticket_codes (
     code TEXT PRIMARY KEY,
     space_id TEXT NOT NULL REFERENCES spaces(id),
     kind TEXT NOT NULL,
     redeemed_by TEXT,
     created_at INTEGER NOT NULL
   );`,
  // Who holds a role in a Space (and pending requests), so a server restart keeps the stage.
  `CREATE TABLE space_members (
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
  // Live transcript (issue 7): final caption segments stored with the Space.
  `CREATE TABLE transcript_segments (
     space_id TEXT NOT NULL REFERENCES spaces(id),
     segment_id TEXT NOT NULL,
     start_ms INTEGER NOT NULL,
     end_ms INTEGER NOT NULL,
     text TEXT NOT NULL,
     speaker_id TEXT,
     speaker_name TEXT,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (space_id, segment_id)
   );
   CREATE INDEX transcript_segments_time ON transcript_segments(space_id, start_ms);`,
  // Recording (issue 12): one recording per Space, its HLS segments (run = one recorder process;
  // a new run after a crash or restart = a marked gap), clips, and tombstones of deleted ones.
  `CREATE TABLE recordings (
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
  // Reaching people (issue 21, src/server/reminders): push subscriptions, email and alert
  // choices, and the outbox (the sending queue: one row per message, unique by what it is).
  `CREATE TABLE push_subscriptions (
     endpoint TEXT PRIMARY KEY,
     account_id TEXT NOT NULL REFERENCES accounts(id),
     p256dh TEXT NOT NULL,
     auth TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX push_subscriptions_account ON push_subscriptions(account_id);
   CREATE TABLE reach_prefs (
     account_id TEXT PRIMARY KEY REFERENCES accounts(id),
     live_alerts INTEGER NOT NULL DEFAULT 1,
     email TEXT,
     email_verified INTEGER NOT NULL DEFAULT 0,
     email_unsubscribed INTEGER NOT NULL DEFAULT 0,
     verify_token TEXT UNIQUE,
     unsubscribe_token TEXT UNIQUE
   );
   CREATE TABLE reach_marks (key TEXT PRIMARY KEY, at INTEGER NOT NULL);
   CREATE TABLE outbox (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     dedupe_key TEXT NOT NULL UNIQUE,
     channel TEXT NOT NULL CHECK (channel IN ('push', 'email')),
     target TEXT NOT NULL,
     account_id TEXT,
     payload TEXT NOT NULL,
     due_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'dropped', 'failed')),
     last_error TEXT,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX outbox_due ON outbox(state, due_at);`,
];

/** What survives a server restart of a member (the rest is about their connections). */
export type SavedMember = Omit<MemberState, 'connections' | 'onStage' | 'speaking'>;

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

export function openServerDb(file: string): Database.Database {
  return openMigratedDb(file, { migrations: MIGRATIONS, label: 'Space server', synchronous: 'NORMAL', foreignKeys: true });
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
