import { z } from 'zod';
import { SpaceId } from './space.js';

/**
 * The host's podcast (issue 22): published replays become episodes of the feed at
 * `/u/<handle>/podcast.xml` (RSS 2.0 + iTunes + Podcasting 2.0). Chapters come from the markers
 * staff set while live (`chapter.mark`) and from speaker changes; the host edits their titles and
 * writes the show notes after End. Merged into the signaling and IPC contracts by spreading.
 *
 * Chapter times (`startMs`) are positions on the recording's timeline (gaps removed).
 */

export const ChapterId = z.string().regex(/^c[a-z0-9]{8,16}$/, 'a chapter id is c followed by 8-16 letters or digits');
export const ChapterTitle = z.string().trim().min(1, 'a chapter needs a title').max(120);
export const ShowNotes = z.string().max(8000);

export const Chapter = z.object({
  id: ChapterId,
  startMs: z.number().int().nonnegative(),
  title: ChapterTitle,
  /** 'marker': set by staff while live; 'speaker': a change of speaker. */
  kind: z.enum(['marker', 'speaker']),
});
export type Chapter = z.infer<typeof Chapter>;

export const EpisodeSpeaker = z.object({ name: z.string(), handle: z.string().nullable(), role: z.enum(['host', 'guest']) });
export type EpisodeSpeaker = z.infer<typeof EpisodeSpeaker>;

/** A Space as an episode: what the host edits in the Studio and what the feed carries. */
export const Episode = z.object({
  spaceId: SpaceId,
  title: z.string(),
  /** Published replays are public (feed, enclosure); unpublished ones stay host/co-host downloads. */
  published: z.boolean(),
  publishedAt: z.number().int().nullable(),
  /** Stable: the same for the life of the episode, whatever is edited. */
  guid: z.string(),
  showNotes: ShowNotes,
  /** Recording length (gaps removed); 0 when nothing was recorded. */
  durationMs: z.number().int().nonnegative(),
  /** The replay exists (recorded, ended, not expired or deleted): only then can it be published. */
  hasReplay: z.boolean(),
  chapters: z.array(Chapter),
  speakers: z.array(EpisodeSpeaker),
  endedAt: z.number().int().nullable(),
  feedUrl: z.string(),
});
export type Episode = z.infer<typeof Episode>;

/** One line of the host's list of past Spaces. */
export const PastSpace = z.object({ spaceId: SpaceId, title: z.string(), endedAt: z.number().int().nullable(), published: z.boolean() });
export type PastSpace = z.infer<typeof PastSpace>;

export const EpisodeUpdate = z
  .object({
    spaceId: SpaceId,
    published: z.boolean().optional(),
    showNotes: ShowNotes.optional(),
    /** New titles for existing chapters (by id); chapters not named keep theirs. */
    chapters: z.array(z.object({ id: ChapterId, title: ChapterTitle }).strict()).max(500).optional(),
  })
  .strict();
export type EpisodeUpdate = z.infer<typeof EpisodeUpdate>;

/**
 * Timestamps in show notes (`12:34` or `1:02:03` at the start of a line, or anywhere) become
 * chapter links in the feed's description. Returns the position in ms of each match.
 */
export const TIMESTAMP = /\b(?:(\d{1,2}):)?([0-5]?\d):([0-5]\d)\b/g;
export function timestampsOf(text: string): { index: number; length: number; ms: number }[] {
  const out: { index: number; length: number; ms: number }[] = [];
  for (const m of text.matchAll(TIMESTAMP)) {
    const [h, mm, ss] = [Number(m[1] ?? 0), Number(m[2]), Number(m[3])];
    out.push({ index: m.index, length: m[0].length, ms: ((h * 60 + mm) * 60 + ss) * 1000 });
  }
  return out;
}

const inSpace = z.object({ spaceId: SpaceId }).strict();

export const podcastRequests = {
  /** Staff (host, co-hosts, producers) of a live Space: a chapter starts now. */
  'chapter.mark': {
    params: z.object({ spaceId: SpaceId, title: ChapterTitle.optional() }).strict(),
    result: z.object({ id: ChapterId, at: z.number().int() }),
  },
  /** The owner or a co-host of the ended Space. */
  'episode.get': { params: inSpace, result: z.object({ episode: Episode }) },
  /** The owner: publish or unpublish, show notes, chapter titles. */
  'episode.update': { params: EpisodeUpdate, result: z.object({ episode: Episode }) },
  /** The signed-in account's ended Spaces (as owner), newest first. */
  'episode.list': { params: z.object({}).strict(), result: z.object({ spaces: z.array(PastSpace) }) },
} as const;

// ---- Studio IPC ----

export const podcastIpcCalls = {
  markChapter: { channel: 'podcast:mark', request: podcastRequests['chapter.mark'].params, response: podcastRequests['chapter.mark'].result },
  getEpisode: { channel: 'podcast:get', request: inSpace, response: Episode },
  updateEpisode: { channel: 'podcast:update', request: EpisodeUpdate, response: Episode },
  listPastSpaces: { channel: 'podcast:list', request: z.object({}).strict(), response: z.array(PastSpace) },
} as const;
