import { z } from 'zod';
import { SpaceId } from './space.js';

/**
 * Podcast multitrack (issue 13): the Studio's local take (IPC), the upload of a speaker's own
 * lossless track to the Space server while recording (server protocol, over the signaling
 * WebSocket), and the export. Merged into ipc.ts / signaling.ts by spreading.
 *
 * Audio on disk is WAV, PCM 24-bit mono at the console's rate. What is uploaded is the WAV's
 * sample data only (the header is rewritten as the file grows, so it is never part of the hash).
 */

export const TRACK_KINDS = ['mic', 'program', 'stage'] as const;
export const TrackKind = z.enum(TRACK_KINDS);
export type TrackKind = z.infer<typeof TrackKind>;

export const TakeId = z.string().regex(/^t_[a-z0-9]{12}$/, 'malformed take id');
export type TakeId = z.infer<typeof TakeId>;

/** Most audio one `takeAudio` call carries: 500 ms at 192 kHz, float32 per track. */
export const MAX_TAKE_CHUNK_FRAMES = 96_000;
const base64Len = (bytes: number): number => Math.ceil(bytes / 3) * 4;
const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');

export const UploadState = z.object({
  state: z.enum(['waiting', 'uploading', 'retrying', 'done', 'failed']),
  sentBytes: z.number().int().nonnegative(),
  totalBytes: z.number().int().nonnegative(),
  message: z.string().nullable(),
});
export type UploadState = z.infer<typeof UploadState>;

export const TakeInfo = z.object({
  id: TakeId,
  spaceId: SpaceId.nullable(),
  /** Wall-clock ms (this computer) of the microphone's first sample. */
  startedAt: z.number(),
  /** Offset to add to this computer's clock to get the Space server's (measured at start; 0 offline). */
  serverOffsetMs: z.number(),
  /** The microphone's rate (the device's). */
  sampleRate: z.number().int(),
  status: z.enum(['recording', 'stopped', 'recovered']),
  durationMs: z.number().int().nonnegative(),
  /** Why it stopped when the user did not stop it (disk full, the console went away), or what recovery did. */
  message: z.string().nullable(),
  /** Each track at its own source's rate and start: the mic at the device's, program and stage at the console's. */
  tracks: z.array(z.object({ kind: TrackKind, file: z.string(), bytes: z.number().int().nonnegative(), sampleRate: z.number().int(), startedAt: z.number() })),
  upload: UploadState.nullable(),
});
export type TakeInfo = z.infer<typeof TakeInfo>;

export const DiskInfo = z.object({
  freeBytes: z.number().nonnegative(),
  /** Minutes of a three-track take at 48 kHz that still fit (or at the running take's rate). */
  minutesLeft: z.number().nonnegative(),
  /** Under 10 minutes left. */
  low: z.boolean(),
});
export type DiskInfo = z.infer<typeof DiskInfo>;

export const TakesView = z.object({ disk: DiskInfo, takes: z.array(TakeInfo) });
export type TakesView = z.infer<typeof TakesView>;

export const ExportResult = z.object({ folder: z.string(), zip: z.string(), files: z.array(z.string()) });
export type ExportResult = z.infer<typeof ExportResult>;

/** A marker in the export: a pad fired, a change of speaker. */
export const TakeMarker = z.object({ atMs: z.number().int().nonnegative(), kind: z.enum(['pad', 'speaker']), label: z.string().max(120) }).strict();
export type TakeMarker = z.infer<typeof TakeMarker>;

const none = z.object({}).strict();

export const multitrackIpcCalls = {
  getTakes: { channel: 'take:list', request: none, response: TakesView },
  /** Starts a take; `spaceId` ties it to a Space (clock, upload of a speaker's mic, server tracks). */
  startTake: {
    channel: 'take:start',
    request: z
      .object({
        spaceId: SpaceId.nullable(),
        /** mic, program, stage: each its rate and the wall-clock ms of the first sample the console will send. */
        tracks: z
          .array(z.object({ kind: TrackKind, sampleRate: z.number().int().min(8000).max(192_000), startedAt: z.number() }).strict())
          .length(3)
          .refine((ts) => TRACK_KINDS.every((k) => ts.some((t) => t.kind === k)), 'one of each track: mic, program, stage'),
        /** Co-hosts and speakers upload their mic to the Space server while recording. */
        upload: z.boolean().default(false),
      })
      .strict(),
    response: TakeInfo,
  },
  /** The next samples of one track, base64 float32 little-endian mono, in order. */
  takeAudio: {
    channel: 'take:audio',
    /** `at` (console tracks): wall-clock ms (this computer) at which the chunk's first sample was rendered. */
    request: z.object({ takeId: TakeId, track: TrackKind, pcm: Base64.min(4).max(base64Len(MAX_TAKE_CHUNK_FRAMES * 4)), at: z.number().finite().optional() }).strict(),
    response: z.object({ accepted: z.boolean() }),
  },
  /** A marker now, or at `at` (wall-clock ms, e.g. when the pad started). */
  takeMarker: {
    channel: 'take:marker',
    request: z.object({ takeId: TakeId, kind: TakeMarker.shape.kind, label: TakeMarker.shape.label, at: z.number().optional() }).strict(),
    response: z.object({}),
  },
  stopTake: {
    channel: 'take:stop',
    /** `micStartedAt`: the console's final estimate of the mic's first sample (it tightens during the take). */
    request: z.object({ takeId: TakeId, micStartedAt: z.number().optional() }).strict(),
    response: TakeInfo,
  },
  /** One folder (and a zip) with a WAV per voice, the program mix, transcript, markers and a manifest. */
  exportTake: { channel: 'take:export', request: z.object({ takeId: TakeId }).strict(), response: ExportResult },
} as const;

export const multitrackIpcEvents = {
  onTake: { channel: 'event:take', payload: TakeInfo },
  onDisk: { channel: 'event:take-disk', payload: DiskInfo },
} as const;

// ---- Server protocol: a speaker's own track, uploaded while recording ----

export const UploadId = z.string().regex(/^u_[a-z0-9]{16}$/, 'malformed upload id');
/** Raw bytes per chunk: the base64 fits the signaling socket's 64 KiB message limit with room to spare. */
export const MAX_UPLOAD_CHUNK_BYTES = 36 * 1024;
/** A WAV's sizes are 32-bit: no track can be larger. */
export const MAX_TRACK_BYTES = 0xffff_ffff - 64;
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const ServerTrack = z.object({
  uploadId: UploadId,
  accountId: z.string(),
  handle: z.string(),
  displayName: z.string(),
  sampleRate: z.number().int(),
  /** Server-clock ms of the first sample. */
  startedAt: z.number(),
  bytes: z.number().int().nonnegative(),
  complete: z.boolean(),
  sha256: Sha256.nullable(),
});
export type ServerTrack = z.infer<typeof ServerTrack>;

export const multitrackRequests = {
  /** The server's clock (ms), for the Studio to put its take on the Space's clock. */
  'clock.now': { params: none, result: z.object({ serverMs: z.number() }) },
  /**
   * Starts (or resumes: same take, same account) the upload of your own track in a Space you
   * speak in. Answers how many bytes the server already holds: send from there.
   */
  'track.begin': {
    params: z
      .object({ spaceId: SpaceId, takeId: TakeId, sampleRate: z.number().int().min(8000).max(192_000), startedAt: z.number() })
      .strict(),
    result: z.object({ uploadId: UploadId, receivedBytes: z.number().int().nonnegative() }),
  },
  /** The bytes at `offset` (must be what the server holds so far; a multiple of 3 bytes). */
  'track.chunk': {
    params: z.object({ uploadId: UploadId, offset: z.number().int().nonnegative(), data: Base64.min(4).max(base64Len(MAX_UPLOAD_CHUNK_BYTES)) }).strict(),
    result: z.object({ receivedBytes: z.number().int().nonnegative() }),
  },
  /** The take ended: the server checks the whole track against the SHA-256 and seals it. */
  'track.finish': {
    params: z.object({ uploadId: UploadId, totalBytes: z.number().int().nonnegative(), sha256: Sha256, startedAt: z.number().optional() }).strict(),
    result: z.object({ bytes: z.number().int().nonnegative(), sha256: Sha256 }),
  },
  /** The host and co-hosts: every uploaded track of the Space. */
  'track.list': { params: z.object({ spaceId: SpaceId }).strict(), result: z.object({ tracks: z.array(ServerTrack) }) },
  /** The host and co-hosts: a piece of an uploaded track (for the export). */
  'track.read': {
    params: z.object({ uploadId: UploadId, offset: z.number().int().nonnegative(), length: z.number().int().min(1).max(MAX_UPLOAD_CHUNK_BYTES) }).strict(),
    result: z.object({ data: Base64 }),
  },
  /** The host: per-participant recordings of the stage on the server (one track per speaker), on or off. */
  'stage.record': { params: z.object({ spaceId: SpaceId, on: z.boolean() }).strict(), result: z.object({ on: z.boolean() }) },
  /** The host and co-hosts: the server's per-speaker tracks of the stage, decoded (a WAV per participant). */
  'stage.tracks': {
    /** `from`/`to` (server-clock ms): only the recordings that overlap that span (a take's own). */
    params: z.object({ spaceId: SpaceId, from: z.number().finite().optional(), to: z.number().finite().optional() }).strict(),
    result: z.object({
      tracks: z.array(
        z.object({
          name: z.string(),
          displayName: z.string(),
          /** Server-clock ms of the first sample's capture (see `timing`). */
          startedAt: z.number(),
          /** Server-clock ms just after the last sample. */
          endedAt: z.number(),
          bytes: z.number().int(),
          sampleRate: z.number().int(),
          /** [sample index, server-clock ms of its capture] pairs, about one a second: where the track's audio belongs in time. */
          timing: z.array(z.tuple([z.number().int().nonnegative(), z.number()])).max(100_000),
        }),
      ),
    }),
  },
  'stage.trackRead': {
    params: z.object({ spaceId: SpaceId, name: z.string().regex(/^[A-Za-z0-9_.-]{1,120}$/), offset: z.number().int().nonnegative(), length: z.number().int().min(1).max(MAX_UPLOAD_CHUNK_BYTES) }).strict(),
    result: z.object({ data: Base64 }),
  },
} as const;
