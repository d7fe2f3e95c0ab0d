import type Database from 'better-sqlite3';
import type { Schema } from '../../shared/sqlite.js';

/** Scheduled Spaces' tables, by schema version (see ../database.ts). */
export const SCHEDULE_SCHEMA: Schema = {
  // scheduled Spaces (issue 6): fields + per-field clocks, idempotent writes, reminders, tickets.
  2: `CREATE TABLE schedules (
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
};

export interface ScheduleRow {
  space_id: string;
  host_account_id: string;
  fields: string;
  clocks: string;
  starts_at: number;
  status: 'scheduled' | 'started' | 'cancelled';
  version: number;
  space_state: 'scheduled' | 'live' | 'ended';
  host_handle: string;
  host_name: string;
}

const SELECT = `SELECT s.*, sp.state AS space_state, sp.host_handle, sp.host_name FROM schedules s JOIN spaces sp ON sp.id = s.space_id`;

/** The SQL of scheduled Spaces: schedules (with their Space's state and host), keyed writes, reminders and tickets. */
export class ScheduleStore {
  constructor(private readonly db: Database.Database) {}

  /** Runs `fn` in one transaction. */
  transaction<R>(fn: () => R): R {
    return this.db.transaction(fn)();
  }

  // ---- schedules ----

  row(spaceId: string): ScheduleRow | undefined {
    return this.db.prepare(`${SELECT} WHERE s.space_id = ?`).get(spaceId) as ScheduleRow | undefined;
  }

  /** The host's schedules changed after `since` (by version), at most `limit`. */
  changedSince(accountId: string, since: number, limit: number): ScheduleRow[] {
    return this.db.prepare(`${SELECT} WHERE s.host_account_id = ? AND s.version > ? ORDER BY s.version LIMIT ?`).all(accountId, since, limit) as ScheduleRow[];
  }

  /** The host's (by handle, lower case) scheduled or started Spaces that have not ended, by start time. */
  upcoming(handle: string): ScheduleRow[] {
    return this.db
      .prepare(`${SELECT} WHERE sp.host_handle = ? AND s.status IN ('scheduled', 'started') AND sp.state != 'ended' ORDER BY s.starts_at LIMIT 200`)
      .all(handle) as ScheduleRow[];
  }

  insert(spaceId: string, accountId: string, fields: string, clocks: string, startsAt: number, version: number): void {
    this.db
      .prepare(`INSERT INTO schedules (space_id, host_account_id, fields, clocks, starts_at, status, version) VALUES (?, ?, ?, ?, ?, 'scheduled', ?)`)
      .run(spaceId, accountId, fields, clocks, startsAt, version);
  }

  setFields(spaceId: string, fields: string, clocks: string, startsAt: number, version: number): void {
    this.db.prepare(`UPDATE schedules SET fields = ?, clocks = ?, starts_at = ?, version = ? WHERE space_id = ?`).run(fields, clocks, startsAt, version, spaceId);
  }

  setStatus(spaceId: string, status: 'started' | 'cancelled', version: number): void {
    this.db.prepare(`UPDATE schedules SET status = ?, version = ? WHERE space_id = ?`).run(status, version, spaceId);
  }

  setVersion(spaceId: string, version: number): void {
    this.db.prepare(`UPDATE schedules SET version = ? WHERE space_id = ?`).run(version, spaceId);
  }

  nextVersion(): number {
    return (this.db.prepare(`SELECT COALESCE(MAX(version), 0) + 1 AS v FROM schedules`).get() as { v: number }).v;
  }

  // ---- keyed writes ----

  /** The stored reply to a keyed write, if it was done. */
  opResult(accountId: string, key: string): string | undefined {
    return (this.db.prepare(`SELECT result FROM schedule_ops WHERE account_id = ? AND key = ?`).get(accountId, key) as { result: string } | undefined)?.result;
  }

  saveOp(accountId: string, key: string, result: string, at: number): void {
    this.db.prepare(`INSERT INTO schedule_ops (account_id, key, result, created_at) VALUES (?, ?, ?, ?)`).run(accountId, key, result, at);
  }

  // ---- reminders ----

  hasReminder(spaceId: string, accountId: string): boolean {
    return !!this.db.prepare(`SELECT 1 FROM reminders WHERE space_id = ? AND account_id = ?`).get(spaceId, accountId);
  }

  /** How many rows changed (0: it was already so). */
  addReminder(spaceId: string, accountId: string, at: number): number {
    return this.db.prepare(`INSERT OR IGNORE INTO reminders (space_id, account_id, created_at) VALUES (?, ?, ?)`).run(spaceId, accountId, at).changes;
  }

  /** How many rows changed (0: there was none). */
  removeReminder(spaceId: string, accountId: string): number {
    return this.db.prepare(`DELETE FROM reminders WHERE space_id = ? AND account_id = ?`).run(spaceId, accountId).changes;
  }

  reminderCount(spaceId: string): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM reminders WHERE space_id = ?`).get(spaceId) as { n: number }).n;
  }

  // ---- tickets ----

  ticketOf(spaceId: string, accountId: string): string | undefined {
    return (this.db.prepare(`SELECT id FROM tickets WHERE space_id = ? AND account_id = ?`).get(spaceId, accountId) as { id: string } | undefined)?.id;
  }

  /** The account a ticket of this Space was issued to. */
  ticketHolder(ticketId: string, spaceId: string): string | undefined {
    return (this.db.prepare(`SELECT account_id FROM tickets WHERE id = ? AND space_id = ?`).get(ticketId, spaceId) as { account_id: string } | undefined)?.account_id;
  }

  addTicket(id: string, spaceId: string, accountId: string, method: string, amountCents: number, at: number): void {
    this.db
      .prepare(`INSERT INTO tickets (id, space_id, account_id, method, amount_cents, issued_at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(id, spaceId, accountId, method, amountCents, at);
  }

  ticketCount(spaceId: string): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM tickets WHERE space_id = ?`).get(spaceId) as { n: number }).n;
  }
}
