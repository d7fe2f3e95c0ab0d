import type Database from 'better-sqlite3';
import { openMigratedDb } from '../../shared/sqlite.js';

/** The Studio's local database: settings and the session tokens for the servers it signed in to. */
const MIGRATIONS = [
  `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE server_sessions (
     server_url TEXT PRIMARY KEY,
     token TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );`,
  // The soundboard: clips (files in <data>/clips), pad sets per show, pads.
  `CREATE TABLE clips (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     format TEXT NOT NULL CHECK (format IN ('wav', 'mp3', 'ogg', 'flac')),
     bytes INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL,
     peaks TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE pad_sets (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE pads (
     id TEXT PRIMARY KEY,
     set_id TEXT NOT NULL REFERENCES pad_sets(id),
     clip_id TEXT NOT NULL REFERENCES clips(id),
     name TEXT NOT NULL,
     colour TEXT NOT NULL,
     gain_db REAL NOT NULL,
     mode TEXT NOT NULL CHECK (mode IN ('one-shot', 'toggle', 'loop')),
     stop_others INTEGER NOT NULL,
     fade_in_ms INTEGER NOT NULL,
     fade_out_ms INTEGER NOT NULL,
     hotkey TEXT,
     position INTEGER NOT NULL
   );
   CREATE INDEX pads_set ON pads(set_id, position);`,
  // Audio routing: per-device profiles (gain, channel, processing, monitor mode), keyed by device label.
  `CREATE TABLE device_profiles (device_key TEXT PRIMARY KEY, profile TEXT NOT NULL, updated_at INTEGER NOT NULL);`,
  // Scheduled Spaces kept offline (issue 6): items with per-field clocks, the outbox, sync metadata.
  `CREATE TABLE scheduled_spaces (
     id TEXT PRIMARY KEY,
     fields TEXT NOT NULL,
     clocks TEXT NOT NULL,
     title TEXT NOT NULL,
     starts_at INTEGER NOT NULL,
     deleted INTEGER NOT NULL DEFAULT 0,
     acked INTEGER NOT NULL DEFAULT 0,
     sync_state TEXT NOT NULL,
     sync_reason TEXT,
     status TEXT,
     reminder_count INTEGER NOT NULL DEFAULT 0,
     tickets_issued INTEGER NOT NULL DEFAULT 0,
     -- field -> when the server acknowledged this Studio's last edit of it (to tell concurrent edits apart)
     acked_fields TEXT NOT NULL DEFAULT '{}',
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX scheduled_spaces_start ON scheduled_spaces(deleted, starts_at, id);
   -- full-text search; rowid = scheduled_spaces.rowid
   CREATE VIRTUAL TABLE scheduled_spaces_fts USING fts5(title, description, topics, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
   CREATE TABLE schedule_outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     key TEXT NOT NULL UNIQUE,
     space_id TEXT NOT NULL,
     op TEXT NOT NULL CHECK (op IN ('create', 'update', 'cancel')),
     payload TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX schedule_outbox_space ON schedule_outbox(space_id);
   CREATE TABLE schedule_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

export function openStudioDb(file: string): Database.Database {
  // FULL: an edit acknowledged to the user must survive a crash.
  return openMigratedDb(file, { migrations: MIGRATIONS, label: 'Studio', synchronous: 'FULL' });
}
