import type { Schema } from '../../shared/sqlite.js';

/** The transcript's table, by schema version (see ../database.ts). */
export const TRANSCRIPT_SCHEMA: Schema = {
  // Live transcript (issue 7): final caption segments stored with the Space.
  4: `CREATE TABLE transcript_segments (
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
};
