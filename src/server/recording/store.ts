import type { Schema } from '../../shared/sqlite.js';

/** The recording's tables, by schema version (see ../database.ts). */
export const RECORDING_SCHEMA: Schema = {
  // Recording (issue 12): one recording per Space, its HLS segments (run = one recorder process;
  // a new run after a crash or restart = a marked gap), clips, and tombstones of deleted ones.
  5: `CREATE TABLE recordings (
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
};
