import { mayCaption } from '../../shared/roles.js';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors.js';
import type { CaptionSegment } from '../../shared/transcript.js';
import type { Participant, SpaceService } from '../spaces/service.js';

/** Per Space, at most this many caption posts in any second (partials are throttled by the Studio to ~4/s). */
const POSTS_PER_SECOND = 20;

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

  constructor(
    db: Database.Database,
    private readonly spaces: SpaceService,
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

  post(p: Participant, spaceId: string, segment: CaptionSegment): void {
    const role = this.spaces.roleIn(p, spaceId);
    if (!role || !mayCaption(role)) throw new AppError('forbidden', 'only the host and co-hosts may caption a Space');
    if (this.spaces.get(spaceId).state !== 'live') throw new AppError('invalid_state', 'captions are for live Spaces');
    const t = this.now();
    const times = (this.recent.get(spaceId) ?? []).filter((x) => t - x < 1000);
    if (times.length >= POSTS_PER_SECOND) throw new AppError('rate_limited', 'too many caption segments; slow down');
    times.push(t);
    this.recent.set(spaceId, times);
    if (segment.final && segment.text.trim()) this.upsert.run({ spaceId, ...segment, now: t });
    this.spaces.notifier.toSpace(spaceId, { type: 'caption.segment', spaceId, segment });
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
