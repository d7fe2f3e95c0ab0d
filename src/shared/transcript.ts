import { z } from 'zod';
import { MemberId, SpaceId } from './space.js';

/**
 * Live transcript and captions (issue 7): the server protocol (caption segments from the host's
 * Studio, fanned out to listeners, stored with the Space) and the Studio IPC (engine status,
 * segments, export). Merged into the central contracts (signaling.ts, ipc.ts) by spreading.
 *
 * Times are milliseconds from the start of the transcript (the first audio the engine heard).
 */

export const SegmentId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'malformed segment id');

/** One stretch of speech: partial (still changing) or final, with who was speaking. */
export const CaptionSegment = z
  .object({
    id: SegmentId,
    startMs: z.number().int().min(0).max(7 * 24 * 3600_000),
    endMs: z.number().int().min(0).max(7 * 24 * 3600_000),
    text: z.string().max(1000),
    final: z.boolean(),
    speakerId: MemberId.nullable(),
    speakerName: z.string().max(60).nullable(),
    /** The speech engine that produced it (live segments; listeners see captions are automatic and by what). */
    engine: z.enum(['pocketsphinx', 'sherpa-onnx']).optional(),
  })
  .strict()
  .refine((s) => s.endMs >= s.startMs, 'a segment cannot end before it starts');
export type CaptionSegment = z.infer<typeof CaptionSegment>;

export const TRANSCRIPT_FORMATS = ['srt', 'vtt', 'txt', 'json'] as const;
export const TranscriptFormat = z.enum(TRANSCRIPT_FORMATS);
export type TranscriptFormat = z.infer<typeof TranscriptFormat>;

export const transcriptRequests = {
  /** The host's (or a co-host's) Studio posts a segment of a live Space; everyone following it gets `caption.segment`. */
  'caption.post': { params: z.object({ spaceId: SpaceId, segment: CaptionSegment }).strict(), result: z.object({}) },
  /** The stored (final) transcript of a Space; anyone who may watch it. */
  'caption.list': { params: z.object({ spaceId: SpaceId }).strict(), result: z.object({ segments: z.array(CaptionSegment) }) },
} as const;

export const transcriptEvents = [z.object({ type: z.literal('caption.segment'), spaceId: SpaceId, segment: CaptionSegment })] as const;

// ---- Studio IPC ----

export const SPEECH_ENGINES = ['pocketsphinx', 'sherpa-onnx'] as const;
export const SpeechEngineName = z.enum(SPEECH_ENGINES);
export type SpeechEngineName = z.infer<typeof SpeechEngineName>;

/** 16 kHz mono s16le. A chunk is at most 500 ms (the renderer sends ~100-200 ms). */
export const PCM_SAMPLE_RATE = 16_000;
export const MAX_PCM_CHUNK_BYTES = PCM_SAMPLE_RATE * 2 / 2;
const base64Len = (bytes: number): number => Math.ceil(bytes / 3) * 4;

export const TranscriptStatus = z.object({
  engine: SpeechEngineName,
  state: z.enum(['stopped', 'starting', 'running', 'restarting', 'failed']),
  /** What the user should know (a crash and restart, a missing model...). */
  message: z.string().nullable(),
  spaceId: SpaceId.nullable(),
  restarts: z.number().int().nonnegative(),
});
export type TranscriptStatus = z.infer<typeof TranscriptStatus>;

export const ModelStatus = z.object({
  state: z.enum(['missing', 'downloading', 'ready', 'corrupt']),
  bytes: z.number().int().nonnegative(),
  totalBytes: z.number().int().nonnegative().nullable(),
  message: z.string().nullable(),
});
export type ModelStatus = z.infer<typeof ModelStatus>;

const none = z.object({}).strict();

/** Whether an engine can run on this computer, and if not why (shown next to its name in the panel). */
export const SpeechEngineInfo = z.object({ name: SpeechEngineName, available: z.boolean(), reason: z.string().nullable() });
export type SpeechEngineInfo = z.infer<typeof SpeechEngineInfo>;

export const transcriptIpcCalls = {
  startTranscript: {
    channel: 'transcript:start',
    request: z.object({ spaceId: SpaceId.nullable(), engine: SpeechEngineName.default('pocketsphinx') }).strict(),
    response: TranscriptStatus,
  },
  stopTranscript: { channel: 'transcript:stop', request: none, response: TranscriptStatus },
  getTranscriptStatus: { channel: 'transcript:status', request: none, response: TranscriptStatus },
  /** One chunk of program audio: base64 of 16 kHz mono s16le samples (an even number of bytes). */
  transcriptPcm: {
    channel: 'transcript:pcm',
    request: z.object({ pcm: z.string().min(4).max(base64Len(MAX_PCM_CHUNK_BYTES)).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64') }).strict(),
    response: z.object({ accepted: z.boolean() }),
  },
  getTranscript: { channel: 'transcript:get', request: none, response: z.object({ segments: z.array(CaptionSegment) }) },
  exportTranscript: {
    channel: 'transcript:export',
    request: z.object({ format: TranscriptFormat }).strict(),
    response: z.object({ filename: z.string(), mime: z.string(), content: z.string() }),
  },
  getSpeechModel: { channel: 'transcript:model', request: none, response: ModelStatus },
  getSpeechEngines: { channel: 'transcript:engines', request: none, response: z.object({ engines: z.array(SpeechEngineInfo) }) },
  /** Downloads (or resumes) the sherpa-onnx model into the data dir and checks its SHA-256. */
  downloadSpeechModel: {
    channel: 'transcript:model-download',
    request: z.object({ url: z.url({ protocol: /^https?$/ }), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
    response: ModelStatus,
  },
} as const;

export const transcriptIpcEvents = {
  onTranscriptSegment: { channel: 'event:transcript-segment', payload: CaptionSegment },
  onTranscriptStatus: { channel: 'event:transcript-status', payload: TranscriptStatus },
  onSpeechModel: { channel: 'event:speech-model', payload: ModelStatus },
} as const;
