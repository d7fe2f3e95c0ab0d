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
