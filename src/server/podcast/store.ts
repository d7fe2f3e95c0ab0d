import { randomBytes, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Schema } from '../../shared/sqlite.js';

/** The podcast's tables, by schema version (see ../database.ts). */
export const PODCAST_SCHEMA: Schema = {
  // Podcast (issue 22): one episode row per Space looked at as an episode (its GUID never changes), chapters at wall times.
  6: `CREATE TABLE podcast_episodes (
     space_id TEXT PRIMARY KEY,
     published INTEGER NOT NULL DEFAULT 0,
     published_at INTEGER,
     guid TEXT NOT NULL UNIQUE,
     show_notes TEXT NOT NULL DEFAULT '',
     speaker_chapters_done INTEGER NOT NULL DEFAULT 0,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE podcast_chapters (
     id TEXT PRIMARY KEY,
     space_id TEXT NOT NULL,
     at INTEGER NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('marker', 'speaker')),
     title TEXT NOT NULL
   );
   CREATE INDEX podcast_chapters_space ON podcast_chapters(space_id, at);`,
};

export interface EpisodeRow {
  space_id: string;
  published: number;
  published_at: number | null;
  guid: string;
  show_notes: string;
  speaker_chapters_done: number;
  updated_at: number;
}

export interface ChapterRow {
  id: string;
  space_id: string;
  /** Wall time (server epoch ms) the chapter starts. */
  at: number;
  kind: 'marker' | 'speaker';
  title: string;
}

export interface HostSpaceRow {
  id: string;
  title: string;
  state: 'scheduled' | 'live' | 'ended';
  host_name: string;
  host_handle: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  starts_at: number | null;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const newChapterId = (): string => `c${Array.from(randomBytes(10), (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('')}`;

/** The podcast's rows (issue 22). An episode row is made the first time a Space is asked about as an episode. */
export class PodcastStore {
  constructor(private readonly db: Database.Database) {}

  episode(spaceId: string, now: number): EpisodeRow {
    const get = (): EpisodeRow | undefined => this.db.prepare(`SELECT * FROM podcast_episodes WHERE space_id = ?`).get(spaceId) as EpisodeRow | undefined;
    const row = get();
    if (row) return row;
    this.db.prepare(`INSERT OR IGNORE INTO podcast_episodes (space_id, guid, updated_at) VALUES (?, ?, ?)`).run(spaceId, randomUUID(), now);
    return get()!;
  }

  update(spaceId: string, changes: { published?: boolean; showNotes?: string; titles?: { id: string; title: string }[] }, now: number): void {
    this.db.transaction(() => {
      const row = this.episode(spaceId, now);
      if (changes.published !== undefined) {
        // The first publication date stays: unpublishing and publishing again is the same episode.
        const at = changes.published ? (row.published_at ?? now) : row.published_at;
        this.db.prepare(`UPDATE podcast_episodes SET published = ?, published_at = ? WHERE space_id = ?`).run(changes.published ? 1 : 0, at, spaceId);
      }
      if (changes.showNotes !== undefined) this.db.prepare(`UPDATE podcast_episodes SET show_notes = ? WHERE space_id = ?`).run(changes.showNotes, spaceId);
      const rename = this.db.prepare(`UPDATE podcast_chapters SET title = ? WHERE id = ? AND space_id = ?`);
      for (const c of changes.titles ?? []) rename.run(c.title, c.id, spaceId);
      this.db.prepare(`UPDATE podcast_episodes SET updated_at = ? WHERE space_id = ?`).run(now, spaceId);
    })();
  }

  addChapter(c: ChapterRow): void {
    this.db.prepare(`INSERT INTO podcast_chapters (id, space_id, at, kind, title) VALUES (@id, @space_id, @at, @kind, @title)`).run(c);
  }

  /** Adds the speaker-change chapters once, after End. */
  addSpeakerChapters(spaceId: string, chapters: ChapterRow[], now: number): void {
    this.db.transaction(() => {
      const row = this.episode(spaceId, now);
      if (row.speaker_chapters_done) return;
      for (const c of chapters) this.addChapter(c);
      this.db.prepare(`UPDATE podcast_episodes SET speaker_chapters_done = 1 WHERE space_id = ?`).run(spaceId);
    })();
  }

  chapters(spaceId: string): ChapterRow[] {
    return this.db.prepare(`SELECT * FROM podcast_chapters WHERE space_id = ? ORDER BY at, id`).all(spaceId) as ChapterRow[];
  }

  markerCount(spaceId: string): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM podcast_chapters WHERE space_id = ? AND kind = 'marker'`).get(spaceId) as { n: number }).n;
  }

  /** A host's Spaces (the spaces table, read only), with the scheduled start where there is one. */
  hostSpaces(hostAccountId: string, states: HostSpaceRow['state'][]): HostSpaceRow[] {
    const marks = states.map(() => '?').join(',');
    const sql = `SELECT s.id, s.title, s.state, s.host_name, s.host_handle, s.created_at, s.started_at, s.ended_at,
                CASE WHEN sc.status = 'scheduled' THEN sc.starts_at END AS starts_at
           FROM spaces s LEFT JOIN schedules sc ON sc.space_id = s.id
          WHERE s.host_account_id = ? AND s.state IN (${marks})
          ORDER BY COALESCE(s.ended_at, s.started_at, s.created_at) DESC`;
    return this.db.prepare(sql).all(hostAccountId, ...states) as HostSpaceRow[];
  }

  publishedOf(spaceIds: string[]): Map<string, EpisodeRow> {
    const out = new Map<string, EpisodeRow>();
    const get = this.db.prepare(`SELECT * FROM podcast_episodes WHERE space_id = ?`);
    for (const id of spaceIds) {
      const row = get.get(id) as EpisodeRow | undefined;
      if (row) out.set(id, row);
    }
    return out;
  }
}
