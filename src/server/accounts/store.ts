import type Database from 'better-sqlite3';
import type { Schema } from '../../shared/sqlite.js';

/** The accounts' tables, by schema version (see ../database.ts). */
export const ACCOUNTS_SCHEMA: Schema = {
  1: `CREATE TABLE accounts (
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
   CREATE INDEX follows_followee ON follows(followee_id);`,
};

export interface AccountRow {
  id: string;
  handle: string;
  display_name: string;
  password_hash: string;
  created_at: number;
}

/** Every SQL statement of accounts, sessions (by token hash) and follows. */
export class AccountStore {
  constructor(private readonly db: Database.Database) {}

  /** Throws on a taken handle (the UNIQUE constraint). */
  insertAccount(id: string, handle: string, displayName: string, passwordHash: string, at: number): void {
    this.db
      .prepare(`INSERT INTO accounts (id, handle, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)`)
      .run(id, handle, displayName, passwordHash, at);
  }

  byId(id: string): AccountRow | undefined {
    return this.db.prepare(`SELECT * FROM accounts WHERE id = ?`).get(id) as AccountRow | undefined;
  }

  /** By handle, as given (callers lower-case it). */
  byHandle(handle: string): AccountRow | undefined {
    return this.db.prepare(`SELECT * FROM accounts WHERE handle = ?`).get(handle) as AccountRow | undefined;
  }

  insertSession(tokenHash: string, accountId: string, at: number, expiresAt: number): void {
    this.db.prepare(`INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)`).run(tokenHash, accountId, at, expiresAt);
  }

  /** The live session with this token hash at `at` (not revoked, not expired). */
  session(tokenHash: string, at: number): { account_id: string; expires_at: number } | undefined {
    return this.db
      .prepare(`SELECT account_id, expires_at FROM sessions WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?`)
      .get(tokenHash, at) as { account_id: string; expires_at: number } | undefined;
  }

  revokeSession(tokenHash: string, at: number): void {
    this.db.prepare(`UPDATE sessions SET revoked_at = ? WHERE token_hash = ?`).run(at, tokenHash);
  }

  isFollowing(followerId: string, followeeId: string): boolean {
    return !!this.db.prepare(`SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = ?`).get(followerId, followeeId);
  }

  follow(followerId: string, followeeId: string, at: number): void {
    this.db.prepare(`INSERT OR IGNORE INTO follows (follower_id, followee_id, created_at) VALUES (?, ?, ?)`).run(followerId, followeeId, at);
  }

  unfollow(followerId: string, followeeId: string): void {
    this.db.prepare(`DELETE FROM follows WHERE follower_id = ? AND followee_id = ?`).run(followerId, followeeId);
  }

  followerCount(accountId: string): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM follows WHERE followee_id = ?`).get(accountId) as { n: number }).n;
  }

  followingCount(accountId: string): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM follows WHERE follower_id = ?`).get(accountId) as { n: number }).n;
  }
}
