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
