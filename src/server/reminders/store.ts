import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { PushSubscriptionJson } from '../../shared/reach.js';
import type { Schema } from '../../shared/sqlite.js';

/** The reminders' tables, by schema version (see ../database.ts). */
export const REMINDERS_SCHEMA: Schema = {
  // Reaching people (issue 21): push subscriptions, email and alert choices, fan-out marks, and the
  // outbox (the sending queue: one row per message, unique by what it is).
  7: `CREATE TABLE push_subscriptions (
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
};

export type Channel = 'push' | 'email';
export type OutboxState = 'pending' | 'sending' | 'sent' | 'dropped' | 'failed';

export interface OutboxRow {
  id: number;
  dedupe_key: string;
  channel: Channel;
  target: string;
  account_id: string | null;
  payload: string;
  due_at: number;
  attempts: number;
  state: OutboxState;
  last_error: string | null;
  updated_at: number;
}

export interface PrefsRow {
  account_id: string;
  live_alerts: number;
  email: string | null;
  email_verified: number;
  email_unsubscribed: number;
  verify_token: string | null;
  unsubscribe_token: string | null;
}

export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** A message to queue: unique by `key` (queuing it again changes nothing). */
export interface NewMessage {
  key: string;
  channel: Channel;
  target: string;
  accountId: string | null;
  payload: unknown;
  dueAt: number;
}

const token = (): string => randomBytes(24).toString('base64url');

/** The SQL of reaching people: subscriptions, choices, the outbox, fan-out marks. */
export class ReachStore {
  constructor(readonly db: Database.Database) {}

  // ---- push subscriptions ----

  savePush(accountId: string, s: PushSubscriptionJson, now: number): void {
    // One endpoint belongs to one browser: a new account signing in there takes it over.
    this.db
      .prepare(
        `INSERT INTO push_subscriptions (endpoint, account_id, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(endpoint) DO UPDATE SET account_id = excluded.account_id, p256dh = excluded.p256dh, auth = excluded.auth`,
      )
      .run(s.endpoint, accountId, s.keys.p256dh, s.keys.auth, now);
  }

  removePush(endpoint: string, accountId?: string): number {
    return accountId
      ? this.db.prepare(`DELETE FROM push_subscriptions WHERE endpoint = ? AND account_id = ?`).run(endpoint, accountId).changes
      : this.db.prepare(`DELETE FROM push_subscriptions WHERE endpoint = ?`).run(endpoint).changes;
  }

  /** Keeps the `max` newest subscriptions of an account. */
  trimPush(accountId: string, max: number): void {
    this.db
      .prepare(
        `DELETE FROM push_subscriptions WHERE account_id = ? AND endpoint NOT IN
           (SELECT endpoint FROM push_subscriptions WHERE account_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
      )
      .run(accountId, accountId, max);
  }

  pushTargets(accountId: string): PushTarget[] {
    return this.db.prepare(`SELECT endpoint, p256dh, auth FROM push_subscriptions WHERE account_id = ?`).all(accountId) as PushTarget[];
  }

  pushTarget(endpoint: string): PushTarget | undefined {
    return this.db.prepare(`SELECT endpoint, p256dh, auth FROM push_subscriptions WHERE endpoint = ?`).get(endpoint) as PushTarget | undefined;
  }

  // ---- choices and email ----

  prefs(accountId: string): PrefsRow {
    this.db.prepare(`INSERT OR IGNORE INTO reach_prefs (account_id) VALUES (?)`).run(accountId);
    return this.db.prepare(`SELECT * FROM reach_prefs WHERE account_id = ?`).get(accountId) as PrefsRow;
  }

  setLiveAlerts(accountId: string, on: boolean): void {
    this.prefs(accountId);
    this.db.prepare(`UPDATE reach_prefs SET live_alerts = ? WHERE account_id = ?`).run(on ? 1 : 0, accountId);
  }

  /** A new address starts unverified, with fresh verification and unsubscribe tokens. */
  setEmail(accountId: string, email: string | null): PrefsRow {
    this.prefs(accountId);
    this.db
      .prepare(`UPDATE reach_prefs SET email = ?, email_verified = 0, email_unsubscribed = 0, verify_token = ?, unsubscribe_token = ? WHERE account_id = ?`)
      .run(email, email ? token() : null, email ? token() : null, accountId);
    return this.prefs(accountId);
  }

  verifyEmail(verifyToken: string): PrefsRow | undefined {
    const row = this.db.prepare(`SELECT * FROM reach_prefs WHERE verify_token = ?`).get(verifyToken) as PrefsRow | undefined;
    if (row) this.db.prepare(`UPDATE reach_prefs SET email_verified = 1 WHERE account_id = ?`).run(row.account_id);
    return row && this.prefs(row.account_id);
  }

  byUnsubscribeToken(t: string): PrefsRow | undefined {
    return this.db.prepare(`SELECT * FROM reach_prefs WHERE unsubscribe_token = ?`).get(t) as PrefsRow | undefined;
  }

  unsubscribeEmail(t: string): PrefsRow | undefined {
    const row = this.byUnsubscribeToken(t);
    if (!row) return undefined;
    this.db.prepare(`UPDATE reach_prefs SET email_unsubscribed = 1 WHERE account_id = ?`).run(row.account_id);
    // Mail already queued for that address is not sent either.
    this.db
      .prepare(`UPDATE outbox SET state = 'dropped', last_error = 'unsubscribed', updated_at = ? WHERE channel = 'email' AND account_id = ? AND state = 'pending'`)
      .run(Date.now(), row.account_id);
    return this.prefs(row.account_id);
  }

  /** The address reminders may go to: verified and not unsubscribed. */
  mailableEmail(accountId: string): PrefsRow | null {
    const p = this.prefs(accountId);
    return p.email && p.email_verified && !p.email_unsubscribed ? p : null;
  }

  // ---- audiences ----

  reminderHolders(spaceId: string): string[] {
    return (this.db.prepare(`SELECT account_id FROM reminders WHERE space_id = ?`).all(spaceId) as { account_id: string }[]).map((r) => r.account_id);
  }

  /** Followers of a host who did not turn live alerts off. */
  alertedFollowers(hostAccountId: string): string[] {
    return (
      this.db
        .prepare(
          `SELECT f.follower_id AS id FROM follows f LEFT JOIN reach_prefs p ON p.account_id = f.follower_id
           WHERE f.followee_id = ? AND COALESCE(p.live_alerts, 1) = 1`,
        )
        .all(hostAccountId) as { id: string }[]
    ).map((r) => r.id);
  }

  /** Scheduled Spaces whose "starts soon" moment has come (started within the last hour at most). */
  startingSoon(now: number, leadMs: number): { space_id: string; starts_at: number }[] {
    return this.db
      .prepare(
        `SELECT s.space_id, s.starts_at FROM schedules s JOIN spaces sp ON sp.id = s.space_id
         WHERE s.status = 'scheduled' AND sp.state = 'scheduled' AND s.starts_at <= ? AND s.starts_at > ?`,
      )
      .all(now + leadMs, now - 3600_000) as { space_id: string; starts_at: number }[];
  }

  scheduleStart(spaceId: string): { starts_at: number; status: string; state: string } | undefined {
    return this.db
      .prepare(`SELECT s.starts_at, s.status, sp.state FROM schedules s JOIN spaces sp ON sp.id = s.space_id WHERE s.space_id = ?`)
      .get(spaceId) as { starts_at: number; status: string; state: string } | undefined;
  }

  // ---- fan-out marks and the outbox ----

  /** Runs `fn` once per mark key, in one transaction with what it queues. */
  once(markKey: string, now: number, fn: () => NewMessage[]): number {
    return this.db.transaction(() => {
      if (this.db.prepare(`INSERT OR IGNORE INTO reach_marks (key, at) VALUES (?, ?)`).run(markKey, now).changes === 0) return 0;
      return this.enqueue(fn(), now);
    })();
  }

  /** Queues messages; a key already queued (or sent) is skipped. Returns how many are new. */
  enqueue(messages: NewMessage[], now: number): number {
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO outbox (dedupe_key, channel, target, account_id, payload, due_at, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`,
    );
    let n = 0;
    this.db.transaction(() => {
      for (const m of messages) n += insert.run(m.key, m.channel, m.target, m.accountId, JSON.stringify(m.payload), m.dueAt, now).changes;
    })();
    return n;
  }

  /** Takes up to `limit` due messages and marks them as being sent (one transaction). */
  claimDue(now: number, limit: number): OutboxRow[] {
    return this.db.transaction(() => {
      const rows = this.db.prepare(`SELECT * FROM outbox WHERE state = 'pending' AND due_at <= ? ORDER BY due_at LIMIT ?`).all(now, limit) as OutboxRow[];
      const mark = this.db.prepare(`UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ?`);
      for (const r of rows) mark.run(now, r.id);
      return rows.map((r) => ({ ...r, state: 'sending' as const, attempts: r.attempts + 1 }));
    })();
  }

  finish(id: number, state: Exclude<OutboxState, 'pending' | 'sending'>, now: number, error?: string): void {
    this.db.prepare(`UPDATE outbox SET state = ?, last_error = ?, updated_at = ? WHERE id = ?`).run(state, error ?? null, now, id);
  }

  retryLater(id: number, dueAt: number, now: number, error: string): void {
    this.db.prepare(`UPDATE outbox SET state = 'pending', due_at = ?, last_error = ?, updated_at = ? WHERE id = ?`).run(dueAt, error, now, id);
  }

  /** After a crash: messages that were being sent go back to the queue. */
  requeueInterrupted(now: number): number {
    return this.db.prepare(`UPDATE outbox SET state = 'pending', updated_at = ? WHERE state = 'sending'`).run(now).changes;
  }

  /** Deletes finished messages and fan-out marks older than `before`. */
  sweep(before: number): void {
    this.db.prepare(`DELETE FROM outbox WHERE state IN ('sent', 'dropped', 'failed') AND updated_at < ?`).run(before);
    this.db.prepare(`DELETE FROM reach_marks WHERE at < ?`).run(before);
  }

  nextDue(): number | null {
    return (this.db.prepare(`SELECT MIN(due_at) AS t FROM outbox WHERE state = 'pending'`).get() as { t: number | null }).t;
  }

  rows(): OutboxRow[] {
    return this.db.prepare(`SELECT * FROM outbox ORDER BY id`).all() as OutboxRow[];
  }
}

/** A host's scheduled Spaces for the calendar feed: coming, live, and those ended or cancelled in the last 30 days. */
export function hostCalendarRows(db: Database.Database, handle: string, now: number): { space_id: string; fields: string; status: string; state: string; version: number; host_handle: string }[] {
  return db
    .prepare(
      `SELECT s.space_id, s.fields, s.status, sp.state, s.version, sp.host_handle FROM schedules s JOIN spaces sp ON sp.id = s.space_id
       WHERE sp.host_handle = ? AND s.starts_at > ? ORDER BY s.starts_at LIMIT 500`,
    )
    .all(handle.toLowerCase(), now - 30 * 86_400_000) as { space_id: string; fields: string; status: string; state: string; version: number; host_handle: string }[];
}
