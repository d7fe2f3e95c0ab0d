import type Database from 'better-sqlite3';
import { composeMigrations, openMigratedDb } from '../shared/sqlite.js';
import { ACCOUNTS_SCHEMA } from './accounts/store.js';
import { RECORDING_SCHEMA } from './recording/store.js';
import { REMINDERS_SCHEMA } from './reminders/store.js';
import { SCHEDULE_SCHEMA } from './schedule/store.js';
import { SPACES_SCHEMA } from './spaces/store.js';
import { TRANSCRIPT_SCHEMA } from './transcript/store.js';
import { ANALYTICS_SCHEMA } from './analytics/store.js';
import { PODCAST_SCHEMA } from './podcast/store.js';

/**
 * The Space server's SQLite database. Each feature owns its tables in its `store.ts`; a schema
 * version (PRAGMA user_version) is the features' SQL for that version, accounts first (the others
 * refer to it).
 */
export const SERVER_MIGRATIONS = composeMigrations(ACCOUNTS_SCHEMA, SPACES_SCHEMA, SCHEDULE_SCHEMA, TRANSCRIPT_SCHEMA, RECORDING_SCHEMA, ANALYTICS_SCHEMA, PODCAST_SCHEMA, REMINDERS_SCHEMA);

export function openServerDb(file: string): Database.Database {
  return openMigratedDb(file, { migrations: SERVER_MIGRATIONS, label: 'Space server', synchronous: 'NORMAL', foreignKeys: true });
}
