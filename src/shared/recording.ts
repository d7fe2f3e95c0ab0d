import { z } from 'zod';
import { SpaceId } from './space.js';

/**
 * Recording, replay, clips and the HLS audience tier (issue 12). Merged into the signaling
 * contract (signaling.ts) by spreading. The recording is the Space's stage mix as short HLS
 * segments; the same segments serve the live HLS audience, replay, clips and downloads.
 *
 * Positions (`positionMs`) are milliseconds on the recording's own timeline (gaps removed);
 * wall times (`at`) are server epoch milliseconds.
 */

export const RecordingAvailability = z.enum([
  'none', // never recorded
  'armed', // recording is on, the Space is not live yet
  'recording', // segments are being written now
  'paused', // recorded before, recording is off now (Space still live)
  'replay', // the Space ended; the replay is available
  'expired', // past the retention period: files and rows deleted
  'deleted', // the host deleted it
]);
export type RecordingAvailability = z.infer<typeof RecordingAvailability>;

/** What anyone following a Space may know about its recording. */
export const RecordingState = z.object({
  spaceId: SpaceId,
  /** True while the host has recording on (everyone is told). */
  on: z.boolean(),
  availability: RecordingAvailability,
  /** Length of what is recorded so far, gaps removed. */
  durationMs: z.number().int().nonnegative(),
  /** Target segment length in seconds (the HLS delay is about three of these). */
  segmentS: z.number().positive(),
  /** When the replay's files will be deleted (ended Spaces only). */
  expiresAt: z.number().int().nullable(),
});
export type RecordingState = z.infer<typeof RecordingState>;

/** One stretch of recorded audio on the timeline: `positionMs` on the recording <-> wall time `at`. */
export const RecordingSpan = z.object({ positionMs: z.number().int(), durationMs: z.number().int(), at: z.number().int() });
export type RecordingSpan = z.infer<typeof RecordingSpan>;

/**
 * The replay page's map: spans (one per run of the recorder; a gap between runs is where the
 * recorder, the server or the media server was down) and the wall time of the transcript's
 * zero, so a caption's `startMs` can be placed on the recording.
 */
export const RecordingTimeline = z.object({
  state: RecordingState,
  spans: z.array(RecordingSpan),
  gaps: z.array(z.object({ at: z.number().int(), durationMs: z.number().int() })),
  transcriptOriginAt: z.number().int().nullable(),
});
export type RecordingTimeline = z.infer<typeof RecordingTimeline>;

/** A wall time on the recording's timeline (gaps removed); a time in a gap goes to where audio resumes. */
export function positionOf(timeline: Pick<RecordingTimeline, 'spans'>, at: number): number {
  let last = 0;
  for (const span of timeline.spans) {
    if (at < span.at) return span.positionMs;
    if (at < span.at + span.durationMs) return span.positionMs + (at - span.at);
    last = span.positionMs + span.durationMs;
  }
  return last;
}

export const ClipId = z.string().regex(/^[a-z0-9]{12}$/, 'a clip id is 12 lowercase letters or digits');
export const MAX_CLIP_MS = 30_000;

export const ClipPublic = z.object({
  id: ClipId,
  spaceId: SpaceId,
  spaceTitle: z.string(),
  startMs: z.number().int().nonnegative(),
  durationMs: z.number().int().positive(),
  createdBy: z.string(),
  createdAt: z.number().int(),
});
export type ClipPublic = z.infer<typeof ClipPublic>;

export const DOWNLOAD_FORMATS = ['m4a', 'flac'] as const;
export const DownloadFormat = z.enum(DOWNLOAD_FORMATS);
export type DownloadFormat = z.infer<typeof DownloadFormat>;

const inSpace = z.object({ spaceId: SpaceId }).strict();

/** What the asking person may do with this recording (roles.ts decides; the server enforces it again on every request). */
export const RecordingPermissions = z.object({ clip: z.boolean(), download: z.boolean() });
export type RecordingPermissions = z.infer<typeof RecordingPermissions>;

export const recordingRequests = {
  /** Host only: turn recording on or off (before or during the Space). */
  'recording.set': { params: z.object({ spaceId: SpaceId, on: z.boolean() }).strict(), result: z.object({ state: RecordingState }) },
  /** Anyone who may watch the Space; `may`: what the asker may do (ask again after signing in or a role change). */
  'recording.get': { params: inSpace, result: z.object({ state: RecordingState, may: RecordingPermissions }) },
  /**
   * Host and co-hosts of the ended Space: a download address for one file, valid a few minutes
   * and only for that file and that person (a signed grant, never the session token).
   */
  'recording.downloadLink': {
    params: z.object({ spaceId: SpaceId, format: DownloadFormat }).strict(),
    result: z.object({ url: z.string(), expiresAt: z.number().int() }),
  },
  /** Host only: delete the recording (files, clips and rows) now. */
  'recording.delete': { params: inSpace, result: z.object({ state: RecordingState }) },
  /**
   * Saves up to the last 30 s as a clip: live = the newest audio; replay = the `durationMs` before
   * `endMs` (the replay's playhead). Who may is a server setting (default host and co-hosts).
   */
  'clip.create': {
    params: z
      .object({ spaceId: SpaceId, durationMs: z.number().int().min(1000).max(MAX_CLIP_MS), endMs: z.number().int().nonnegative().optional() })
      .strict(),
    result: z.object({ clip: ClipPublic, url: z.string() }),
  },
} as const;

export const recordingEvents = [z.object({ type: z.literal('recording.state'), state: RecordingState })] as const;

// ---- Studio IPC ----

export const recordingIpcCalls = {
  /** Host: recording on/off for a Space (relayed to the server's `recording.set`). */
  setRecording: { channel: 'recording:set', request: z.object({ spaceId: SpaceId, on: z.boolean() }).strict(), response: RecordingState },
  getRecording: { channel: 'recording:get', request: inSpace, response: RecordingState },
} as const;

