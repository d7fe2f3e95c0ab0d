import { mayCaption } from '../../shared/roles.js';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors.js';
import type { CaptionSegment } from '../../shared/transcript.js';
import type { Participant, SpaceService } from '../spaces/service.js';

/** Per Space, at most this many caption posts in any second (partials are throttled by the Studio to ~4/s). */
const POSTS_PER_SECOND = 20;
/**
 * After End, final segments from the Space's host or co-hosts are still stored this long: the
 * words said right before End may reach the server after the End itself (another connection, or
 * an engine that finished recognizing a moment later).
 */
export const CAPTION_GRACE_AFTER_END_MS = 15_000;

interface Row {
  segment_id: string;
  start_ms: number;
  end_ms: number;
  text: string;
  speaker_id: string | null;
  speaker_name: string | null;
}

/**
 * Captions of live Spaces (issue 7): the host's (or a co-host's) Studio posts segments, the server
 * fans them out to everyone following the Space and stores the final ones with the Space.
 */
export class TranscriptService {
  private readonly upsert;
  private readonly list;
  private readonly recent = new Map<string, number[]>();
  /** Spaces that ended a moment ago: who may still post their last final segments, until when. */
  private readonly closing = new Map<string, { accountIds: string[]; until: number }>();

  constructor(
    db: Database.Database,
    private readonly spaces: Pick<SpaceService, 'get' | 'roleIn' | 'publish'>,
    private readonly now: () => number = Date.now,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO transcript_segments (space_id, segment_id, start_ms, end_ms, text, speaker_id, speaker_name, created_at)
       VALUES (@spaceId, @id, @startMs, @endMs, @text, @speakerId, @speakerName, @now)
       ON CONFLICT (space_id, segment_id) DO UPDATE SET start_ms = excluded.start_ms, end_ms = excluded.end_ms,
         text = excluded.text, speaker_id = excluded.speaker_id, speaker_name = excluded.speaker_name`,
    );
    this.list = db.prepare(`SELECT * FROM transcript_segments WHERE space_id = ? ORDER BY start_ms, created_at`);
  }

  /** The Space is ending; `staffAccountIds`: its owner and co-hosts (whose last segments are still taken). */
  ending(spaceId: string, staffAccountIds: string[]): void {
    const t = this.now();
    for (const [id, c] of this.closing) if (c.until < t) this.closing.delete(id);
    this.closing.set(spaceId, { accountIds: staffAccountIds, until: t + CAPTION_GRACE_AFTER_END_MS });
  }

  post(p: Participant, spaceId: string, segment: CaptionSegment): void {
    const closing = this.closing.get(spaceId);
    if (closing && this.spaces.get(spaceId).state === 'ended') {
      // The last words of an ended Space: stored if they are final and come from its staff in time.
      if (!p.identity.accountId || !closing.accountIds.includes(p.identity.accountId)) throw new AppError('forbidden', 'only the host and co-hosts may caption a Space');
      if (this.now() > closing.until) throw new AppError('invalid_state', 'captions are for live Spaces');
      if (segment.final && segment.text.trim()) this.upsert.run({ spaceId, ...segment, now: this.now() });
      return;
    }
    const role = this.spaces.roleIn(p, spaceId);
    if (!role || !mayCaption(role)) throw new AppError('forbidden', 'only the host and co-hosts may caption a Space');
    if (this.spaces.get(spaceId).state !== 'live') throw new AppError('invalid_state', 'captions are for live Spaces');
    const t = this.now();
    const times = (this.recent.get(spaceId) ?? []).filter((x) => t - x < 1000);
    if (times.length >= POSTS_PER_SECOND) throw new AppError('rate_limited', 'too many caption segments; slow down');
    times.push(t);
    this.recent.set(spaceId, times);
    if (segment.final && segment.text.trim()) this.upsert.run({ spaceId, ...segment, now: t });
    this.spaces.publish(spaceId, { type: 'caption.segment', spaceId, segment });
  }

  /** The stored transcript (final segments) of a Space; throws not_found for unknown Spaces. */
  segments(spaceId: string): CaptionSegment[] {
    this.spaces.get(spaceId);
    return (this.list.all(spaceId) as Row[]).map((r) => ({
      id: r.segment_id,
      startMs: r.start_ms,
      endMs: r.end_ms,
      text: r.text,
      final: true,
      speakerId: r.speaker_id as CaptionSegment['speakerId'],
      speakerName: r.speaker_name,
    }));
  }
}
