import { statSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.js';
import type { AccountPublic } from '../../shared/account.js';
import type { Chapter, Episode, EpisodeSpeaker, EpisodeUpdate, PastSpace } from '../../shared/podcast.js';
import { positionOf, type DownloadFormat, type RecordingState, type RecordingTimeline } from '../../shared/recording.js';
import type { SpacePublic } from '../../shared/space.js';
import type { CaptionSegment } from '../../shared/transcript.js';
import type { Participant } from '../spaces/participant.js';
import { buildFeed, chaptersJson, type FeedEpisode, type FeedLiveItem } from './feed.js';
import { newChapterId, type ChapterRow, type PodcastStore } from './store.js';

/** What the podcast needs from the other features (ports, so it can be tested alone). */
export interface PodcastDeps {
  spaces: {
    get(spaceId: string): SpacePublic;
    mediaKeyOf(spaceId: string): { hostAccountId: string };
    roleIn(p: Participant, spaceId: string): string | null;
  };
  accounts: { get(handle: string): AccountPublic };
  recording: {
    state(spaceId: string): RecordingState;
    timeline(spaceId: string): RecordingTimeline;
    download(spaceId: string, format: DownloadFormat, accountId: string | null): Promise<{ dir: string; file: string }>;
  };
  transcript: { segments(spaceId: string): CaptionSegment[] };
  /** Who talked when (analytics' talk spans), for speaker-change chapters and the episode's people. */
  talk: (spaceId: string) => { name: string; started_at: number; ended_at: number }[];
}

export interface PodcastOptions {
  publicUrl: () => string;
  /** itunes:owner email of every feed (the operator's contact: accounts have no email). */
  ownerEmail: string;
  /** itunes:category, `Top` or `Top / Sub` from Apple's list. */
  category: string;
  language: string;
  /** Speaker-change chapters: a speaker must talk at least this long, this long after the previous chapter. */
  speakerMinMs?: number;
  chapterGapMs?: number;
  now?: () => number;
}

const STAFF = new Set(['host', 'cohost', 'producer']);

/**
 * The host's podcast (issue 22): markers while live, episodes (publish, show notes, chapter
 * titles) after End, the feed, the public enclosure of published replays, chapters and
 * transcripts on the recording's timeline.
 */
export class PodcastService {
  private readonly now: () => number;

  constructor(
    private readonly store: PodcastStore,
    private readonly deps: PodcastDeps,
    private readonly options: PodcastOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  // ---- while live ----

  /** Staff mark the start of a chapter now. */
  mark(p: Participant, spaceId: string, title?: string): { id: string; at: number } {
    const space = this.deps.spaces.get(spaceId);
    if (space.state !== 'live') throw new AppError('invalid_state', 'chapters are marked while the Space is live');
    const role = this.deps.spaces.roleIn(p, spaceId);
    if (!role || !STAFF.has(role)) throw new AppError('forbidden', 'only the host, co-hosts and producers mark chapters');
    const at = this.now();
    const id = newChapterId();
    this.store.addChapter({ id, space_id: spaceId, at, kind: 'marker', title: title ?? `Chapter ${this.store.markerCount(spaceId) + 1}` });
    return { id, at };
  }

  // ---- after End ----

  get(p: Participant, spaceId: string): Episode {
    this.requireOwner(p, spaceId);
    return this.episode(spaceId);
  }

  async update(p: Participant, u: EpisodeUpdate): Promise<Episode> {
    this.requireOwner(p, u.spaceId);
    const space = this.deps.spaces.get(u.spaceId);
    if (space.state !== 'ended') throw new AppError('invalid_state', 'a Space becomes an episode after it ends');
    const before = this.episode(u.spaceId);
    if (u.chapters) {
      const known = new Set(before.chapters.map((c) => c.id));
      const unknown = u.chapters.find((c) => !known.has(c.id));
      if (unknown) throw new AppError('not_found', `no chapter ${unknown.id} in this Space`);
    }
    if (u.published) {
      if (!before.hasReplay) throw new AppError('invalid_state', 'this Space has no replay to publish');
      // The enclosure must exist (and have its length) before the feed announces it.
      await this.deps.recording.download(u.spaceId, 'm4a', this.owner(u.spaceId));
    }
    this.store.update(u.spaceId, { published: u.published, showNotes: u.showNotes, titles: u.chapters }, this.now());
    return this.episode(u.spaceId);
  }

  list(p: Participant): PastSpace[] {
    if (!p.identity.accountId) throw new AppError('unauthenticated', 'sign in to see your Spaces');
    const rows = this.store.hostSpaces(p.identity.accountId, ['ended']);
    const eps = this.store.publishedOf(rows.map((r) => r.id));
    return rows.map((r) => ({ spaceId: r.id, title: r.title, endedAt: r.ended_at, published: !!eps.get(r.id)?.published }));
  }

  /** The episode as the host edits it and the feed carries it. */
  episode(spaceId: string): Episode {
    const space = this.deps.spaces.get(spaceId);
    const row = this.store.episode(spaceId, this.now());
    const state = this.deps.recording.state(spaceId);
    const hasReplay = space.state === 'ended' && state.availability === 'replay';
    if (space.state === 'ended' && !row.speaker_chapters_done) this.store.addSpeakerChapters(spaceId, this.speakerChapters(spaceId), this.now());
    return {
      spaceId,
      title: space.title,
      published: !!row.published && hasReplay,
      publishedAt: row.published_at,
      guid: row.guid,
      showNotes: row.show_notes,
      durationMs: state.durationMs,
      hasReplay,
      chapters: this.chapters(spaceId),
      speakers: this.speakers(spaceId, space),
      endedAt: space.endedAt,
      feedUrl: this.feedUrl(space.hostHandle),
    };
  }

  /** Chapters on the recording's timeline (markers and speaker changes), in order. */
  chapters(spaceId: string): Chapter[] {
    const space = this.deps.spaces.get(spaceId);
    let timeline: Pick<RecordingTimeline, 'spans'> = { spans: [] };
    try {
      timeline = this.deps.recording.timeline(spaceId);
    } catch {
      // no recording: positions from the Space's start
    }
    const at = (wall: number): number => (timeline.spans.length ? positionOf(timeline, wall) : Math.max(0, wall - (space.startedAt ?? wall)));
    return this.store
      .chapters(spaceId)
      .map((c) => ({ id: c.id, startMs: Math.round(at(c.at)), title: c.title, kind: c.kind }))
      .sort((a, b) => a.startMs - b.startMs);
  }

  /** Public only once published: the enclosure's file. */
  async enclosure(spaceId: string): Promise<{ dir: string; file: string } | null> {
    let ep: Episode;
    try {
      ep = this.episode(spaceId);
    } catch {
      return null;
    }
    if (!ep.published) return null;
    return this.deps.recording.download(spaceId, 'm4a', this.owner(spaceId));
  }

  /** Chapters JSON for any ended Space with a replay (the replay is public already; so are its chapters). */
  chaptersDocument(spaceId: string): ReturnType<typeof chaptersJson> | null {
    const ep = this.safeEpisode(spaceId);
    if (!ep?.hasReplay) return null;
    const list: Pick<Chapter, 'startMs' | 'title'>[] = [...ep.chapters];
    if (!list.length || list[0]!.startMs >= 1000) list.unshift({ startMs: 0, title: ep.title });
    return chaptersJson(list, `${this.options.publicUrl()}/s/${spaceId}`);
  }

  /** The transcript on the recording's timeline (captions' own clock mapped through the spans). */
  transcript(spaceId: string): CaptionSegment[] | null {
    const ep = this.safeEpisode(spaceId);
    if (!ep?.hasReplay) return null;
    const timeline = this.deps.recording.timeline(spaceId);
    const origin = timeline.transcriptOriginAt;
    const segs = this.deps.transcript.segments(spaceId);
    if (origin === null) return segs;
    return segs.map((s) => {
      const start = Math.round(positionOf(timeline, origin + s.startMs));
      return { ...s, startMs: start, endMs: Math.max(start, start + (s.endMs - s.startMs)) };
    });
  }

  /** The host's feed: published replays, then live and upcoming Spaces as live items. */
  async feed(handle: string): Promise<string | null> {
    let host: AccountPublic;
    try {
      host = this.deps.accounts.get(handle);
    } catch {
      return null;
    }
    const base = this.options.publicUrl();
    const episodes: FeedEpisode[] = [];
    const ended = this.store.hostSpaces(host.id, ['ended']);
    const rows = this.store.publishedOf(ended.map((r) => r.id));
    for (const r of ended) {
      if (!rows.get(r.id)?.published) continue;
      const ep = this.safeEpisode(r.id);
      if (!ep?.published) continue;
      const file = await this.enclosure(r.id).catch(() => null);
      if (!file) continue;
      const link = `${base}/s/${r.id}`;
      episodes.push({
        guid: ep.guid,
        title: ep.title,
        link,
        showNotes: ep.showNotes,
        publishedAt: ep.publishedAt ?? r.ended_at ?? this.now(),
        enclosure: { url: `${link}/episode.m4a`, length: statSync(join(file.dir, file.file)).size, type: 'audio/mp4' },
        durationS: ep.durationMs / 1000,
        transcripts: [
          { url: `${link}/episode/transcript.vtt`, type: 'text/vtt' },
          { url: `${link}/episode/transcript.srt`, type: 'application/x-subrip' },
          { url: `${link}/episode/transcript.json`, type: 'application/json' },
        ],
        chaptersUrl: `${link}/chapters.json`,
        people: ep.speakers.map((s) => ({ ...s, href: s.handle ? `${base}/u/${s.handle}/podcast.xml` : null })),
      });
    }
    episodes.sort((a, b) => b.publishedAt - a.publishedAt);
    const live: FeedLiveItem[] = this.store.hostSpaces(host.id, ['live', 'scheduled']).flatMap((r): FeedLiveItem[] => {
      const link = `${base}/s/${r.id}`;
      const guid = this.store.episode(r.id, this.now()).guid; // the same GUID the episode keeps after End
      if (r.state === 'live') {
        let streamUrl: string | null = null;
        try {
          if (this.deps.recording.state(r.id).availability === 'recording') streamUrl = `${link}/hls/live.m3u8`;
        } catch {
          // not recorded: the page is the way in
        }
        const start = r.started_at ?? r.created_at;
        return [{ guid, title: r.title, link, status: 'live', start, end: Math.max(start, this.now()) + 3600_000, streamUrl }];
      }
      if (r.starts_at === null) return []; // created but not scheduled: nothing to announce
      return [{ guid, title: r.title, link, status: 'pending', start: r.starts_at, end: r.starts_at + 3600_000, streamUrl: null }];
    });
    return buildFeed(
      {
        selfUrl: this.feedUrl(host.handle),
        link: `${base}/u/${host.handle}/podcast.xml`,
        title: `${host.displayName} (Spaces)`,
        description: `Spaces hosted by ${host.displayName} (@${host.handle}): replays with chapters and transcripts, and what is live or coming up.`,
        author: host.displayName,
        ownerName: host.displayName,
        ownerEmail: this.options.ownerEmail,
        imageUrl: `${base}/u/${host.handle}/cover.png`,
        category: this.options.category,
        language: this.options.language,
      },
      episodes,
      live,
    );
  }

  /** The account's handle exists (for the cover route). */
  hostExists(handle: string): AccountPublic | null {
    try {
      return this.deps.accounts.get(handle);
    } catch {
      return null;
    }
  }

  // ---- internals ----

  private feedUrl(handle: string): string {
    return `${this.options.publicUrl()}/u/${handle}/podcast.xml`;
  }

  private safeEpisode(spaceId: string): Episode | null {
    try {
      return this.episode(spaceId);
    } catch {
      return null;
    }
  }

  private owner(spaceId: string): string {
    return this.deps.spaces.mediaKeyOf(spaceId).hostAccountId;
  }

  private requireOwner(p: Participant, spaceId: string): void {
    const owner = this.owner(spaceId); // not_found first
    if (!p.identity.accountId) throw new AppError('unauthenticated', 'sign in as the host');
    if (p.identity.accountId !== owner) throw new AppError('forbidden', 'only the host edits and publishes the episode');
  }

  /** Who spoke: the host first, then everyone the talk detection heard, by first word. */
  private speakers(spaceId: string, space: SpacePublic): EpisodeSpeaker[] {
    const out: EpisodeSpeaker[] = [{ name: space.hostName, handle: space.hostHandle, role: 'host' }];
    for (const t of this.deps.talk(spaceId)) if (!out.some((s) => s.name === t.name)) out.push({ name: t.name, handle: null, role: 'guest' });
    return out;
  }

  /**
   * A chapter where the voice changes: a speaker who talks for at least `speakerMinMs` (default
   * 2 s) and is not the current one, at least `chapterGapMs` (default 20 s) after any other chapter.
   */
  private speakerChapters(spaceId: string): ChapterRow[] {
    const minMs = this.options.speakerMinMs ?? 2000;
    const gap = this.options.chapterGapMs ?? 20_000;
    const markers = this.store.chapters(spaceId).map((c) => c.at);
    const out: ChapterRow[] = [];
    let current: string | null = null;
    let last = -Infinity;
    for (const t of this.deps.talk(spaceId)) {
      if (t.ended_at - t.started_at < minMs || t.name === current) continue;
      current = t.name;
      const near = markers.some((m) => Math.abs(m - t.started_at) < gap);
      if (near || t.started_at - last < gap) continue;
      out.push({ id: newChapterId(), space_id: spaceId, at: t.started_at, kind: 'speaker', title: t.name });
      last = t.started_at;
    }
    return out;
  }
}
