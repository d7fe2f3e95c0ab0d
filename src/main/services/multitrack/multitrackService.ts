import { join } from 'node:path';
import { AppError } from '../../../shared/errors.js';
import type { IpcEventName, IpcEventPayload, IpcParsedRequest } from '../../../shared/ipc.js';
import type { ServerEvent } from '../../../shared/signaling.js';
import type { ExportResult, ServerTrack, TakeInfo, TakesView } from '../../../shared/multitrack.js';
import type { CaptionSegment } from '../../../shared/transcript.js';
import { TakeRecorder } from './takeRecorder.js';
import { TrackUploader, type ServerRequest } from './trackUploader.js';
import { exportTake, stageSource, uploadedSource, type VoiceSource } from './takeExport.js';

type StageTrackInfo = { name: string; displayName: string; startedAt: number; endedAt: number; bytes: number; timing: [number, number][] };

export interface MultitrackDeps {
  dataDir: string;
  emit: <K extends IpcEventName>(event: K, payload: IpcEventPayload<K>) => void;
  /** A request on the Space server over the Studio's signed-in connection. */
  request: ServerRequest;
  /** Who we are on the server (names our own voice in the export). */
  self: () => { accountId: string; displayName: string } | null;
  transcript: () => CaptionSegment[];
  /** The transcript's line still being recognised (null: none). */
  transcriptPartial?: () => CaptionSegment | null;
}

/**
 * The Record control's main-process side (issue 13): the local take, the upload of our mic while
 * we speak in someone else's Space, speaker-change markers, and the export with every voice.
 */
export class MultitrackService {
  readonly recorder: TakeRecorder;
  private uploader: TrackUploader | null = null;
  private names = new Map<string, string>();
  private lastSpeaker: string | null = null;
  private stageRecording: { takeId: string; spaceId: string } | null = null;
  /** The best clock measurement of the running take. */
  private clock: { rtt: number; offset: number } | null = null;
  /** Wall-clock ms of the transcript's zero (the first audio its engine got), if it ran. */
  private transcriptZero: number | null = null;
  /** The words still being recognised when each take stopped: they belong to that take. */
  private readonly stopPartial = new Map<string, CaptionSegment>();

  constructor(private readonly deps: MultitrackDeps) {
    this.recorder = new TakeRecorder({
      dataDir: deps.dataDir,
      events: {
        onTake: (t) => {
          if (t.status !== 'recording' && this.stageRecording?.takeId === t.id) this.stopStageRecording();
          deps.emit('onTake', t);
        },
        onDisk: (d) => deps.emit('onDisk', d),
      },
      serverOffset: () => this.measureOffset(),
      startUpload: (take, micFile) => {
        this.uploader?.dispose();
        this.uploader = new TrackUploader(take, micFile, deps.request, (s) => this.recorder.uploadChanged(take.id, s));
        return this.uploader;
      },
    });
  }

  /** For the benchmark: how long the last interrupted upload took to resume. */
  get lastUploadResumeMs(): number | null {
    return this.uploader?.lastResumeMs ?? null;
  }

  getTakes(): TakesView {
    return this.recorder.getTakes();
  }
  async startTake(req: IpcParsedRequest<'startTake'>): Promise<TakeInfo> {
    this.lastSpeaker = null;
    this.clock = null;
    // The host's take also has the server record every participant of the stage (their fallback
    // track): asked at once, so the server's recordings begin as close to the take's zero as they can.
    const stage = req.spaceId && !req.upload ? req.spaceId : null;
    const recording = stage ? this.deps.request('stage.record', { spaceId: stage, on: true }).then(() => true, () => false) : Promise.resolve(false);
    let take: TakeInfo;
    try {
      take = await this.recorder.startTake(req);
    } catch (err) {
      if (stage && (await recording)) void this.deps.request('stage.record', { spaceId: stage, on: false }).catch(() => undefined);
      throw err;
    }
    if (stage && (await recording)) this.stageRecording = { takeId: take.id, spaceId: stage };
    return take;
  }

  private stopStageRecording(): void {
    const s = this.stageRecording;
    this.stageRecording = null;
    if (s) void this.deps.request('stage.record', { spaceId: s.spaceId, on: false }).catch(() => undefined);
  }
  takeAudio(req: IpcParsedRequest<'takeAudio'>): { accepted: boolean } {
    return this.recorder.takeAudio(req);
  }
  takeMarker(req: IpcParsedRequest<'takeMarker'>): Record<string, never> {
    return this.recorder.takeMarker(req);
  }
  async stopTake(req: IpcParsedRequest<'stopTake'>): Promise<TakeInfo> {
    const running = this.recorder.getTakes().takes.find((t) => t.id === req.takeId && t.status === 'recording');
    if (running?.spaceId) {
      // A second look at the clock; the less delayed measurement of the two places the take.
      const before = this.clock;
      await this.measureOffset().catch(() => null);
      if (this.clock && this.clock !== before) this.recorder.setServerOffset(req.takeId, this.clock.offset);
    }
    const partial = this.deps.transcriptPartial?.() ?? null;
    if (partial?.text) this.stopPartial.set(req.takeId, { ...partial, final: true });
    return this.recorder.stopTake(req);
  }

  /** The Space's server events: speaker names and changes become markers. */
  observe(e: ServerEvent): void {
    if (e.type === 'space.roster') {
      const roster = e.roster;
      for (const m of [...roster.stage, ...roster.producers, ...roster.audience]) this.names.set(m.id, m.displayName);
    }
    if (e.type === 'space.speaking') {
      const s = e;
      const running = this.recorder.getTakes().takes.find((t) => t.status === 'recording');
      if (s.speaking && running && s.memberId !== this.lastSpeaker) {
        this.lastSpeaker = s.memberId;
        this.recorder.takeMarker({ takeId: running.id, kind: 'speaker', label: this.names.get(s.memberId) ?? s.memberId, at: Date.now() });
      }
    }
  }

  /** The transcript stopped: the next one has a zero of its own. */
  transcriptStopped(): void {
    this.transcriptZero = null;
  }

  /** The transcript got audio (its zero is the first chunk after it started). */
  transcriptAudio(): void {
    this.transcriptZero ??= Date.now();
  }

  async exportTake(req: IpcParsedRequest<'exportTake'>): Promise<ExportResult> {
    const take = this.recorder.take(req.takeId);
    if (take.status === 'recording') throw new AppError('invalid_state', 'stop the take before exporting it');
    const outDir = join(this.deps.dataDir, 'exports', `take-${new Date(take.startedAt).toISOString().slice(0, 19).replace(/[:T]/g, '-')}-${take.id}`);
    const self = this.deps.self();
    const others: VoiceSource[] = [];
    let selfServer: VoiceSource | undefined;
    const durationMs = take.durationMs;
    // The take's own span on the server's clock: only recordings made during it belong to it.
    const from = take.startedAt + take.serverOffsetMs;
    const to = from + durationMs;
    if (take.spaceId) {
      const spaceId = take.spaceId;
      let uploads: ServerTrack[] = [];
      try {
        uploads = ((await this.deps.request('track.list', { spaceId })) as { tracks: ServerTrack[] }).tracks;
      } catch (err) {
        if (AppError.from(err).code !== 'forbidden') throw err;
      }
      // A speaker's own lossless upload wins over the server's Opus recording of them.
      const uploaded = uploads.filter((t) => t.complete && t.accountId !== self?.accountId && t.startedAt < to && t.startedAt + (t.bytes / 3 / t.sampleRate) * 1000 > from);
      for (const t of uploaded) others.push(uploadedSource(t, this.deps.request));
      try {
        const { tracks } = (await this.deps.request('stage.tracks', { spaceId, from, to })) as { tracks: StageTrackInfo[] };
        const have = new Set([self?.displayName, ...uploaded.map((t) => t.displayName)]);
        // One file per speaker: a speaker who left and rejoined during the take has several recordings.
        const bySpeaker = new Map<string, VoiceSource>();
        try {
          for (const t of tracks) {
            if (t.displayName === self?.displayName && !selfServer) selfServer = await stageSource(spaceId, t, this.deps.request, join(this.deps.dataDir, 'exports'));
            if (have.has(t.displayName)) continue;
            const source = await stageSource(spaceId, t, this.deps.request, join(this.deps.dataDir, 'exports'));
            const first = bySpeaker.get(t.displayName);
            if (first) (first.more ??= []).push(source);
            else bySpeaker.set(t.displayName, source);
          }
        } catch (err) {
          for (const v of [...bySpeaker.values(), ...(selfServer ? [selfServer] : [])]) for (const part of [v, ...(v.more ?? [])]) part.dispose?.();
          throw err;
        }
        others.push(...bySpeaker.values());
      } catch (err) {
        if (AppError.from(err).code !== 'forbidden') throw err;
      }
    }
    // The words still being said at Stop: the engine's partial line then, or (an engine running
    // behind the audio on a busy machine) the line it is still on now; cut to the take below.
    const live = this.deps.transcriptPartial?.() ?? null;
    const atStop = this.stopPartial.get(take.id) ?? null;
    const partial = live && (!atStop || live.id === atStop.id) ? { ...live, final: true } : atStop;
    const segments = this.deps.transcript();
    return exportTake({
      take,
      outDir,
      selfName: self?.displayName ?? 'Host',
      markers: this.recorder.markers(take.id),
      // Unless the engine has finished that line since (then it is among the segments).
      transcript: { segments: partial && !segments.some((s) => s.id === partial.id) ? [...segments, partial] : segments, offsetMs: this.transcriptZero === null ? null : this.transcriptZero - take.startedAt },
      others,
      selfServer,
      consoleTiming: this.recorder.timing(take.id).program,
    });
  }

  /**
   * Server clock minus ours from the least delayed of several round trips (its error is at most
   * half that round trip). Measured at the start of a take and again at its end; the better wins.
   */
  private async measureOffset(): Promise<number | null> {
    let best: { rtt: number; offset: number } | null = null;
    for (let i = 0; i < 8; i++) {
      const t0 = Date.now();
      const { serverMs } = (await this.deps.request('clock.now', {})) as { serverMs: number };
      const t1 = Date.now();
      if (!best || t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: serverMs - (t0 + t1) / 2 };
      await new Promise((r) => setTimeout(r, 20));
    }
    if (best && (!this.clock || best.rtt < this.clock.rtt)) this.clock = best;
    return best?.offset ?? null;
  }

  dispose(): void {
    this.recorder.dispose();
    this.uploader?.dispose();
  }
}
