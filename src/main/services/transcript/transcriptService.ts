import { AppError } from '../../../shared/errors.js';
import type { IpcEventName, IpcEventPayload, IpcParsedRequest, IpcResponse } from '../../../shared/ipc.js';
import type { ServerEvent } from '../../../shared/signaling.js';
import type { Roster } from '../../../shared/space.js';
import { PCM_SAMPLE_RATE, type CaptionSegment, type ModelStatus, type SpeechEngineName, type TranscriptStatus } from '../../../shared/transcript.js';
import { FORMAT_MIME, formatTranscript } from '../../../shared/transcriptFormat.js';
import type { EngineResult, SpeechEngine } from './engine.js';
import { PocketsphinxEngine, pocketsphinxAvailability } from './pocketsphinx.js';
import { SherpaOnnxEngine, SpeechModelStore } from './sherpaOnnx.js';

type Emit = <K extends IpcEventName>(event: K, payload: IpcEventPayload<K>) => void;

export interface TranscriptServiceDeps {
  dataDir: string;
  emit: Emit;
  /** Sends a segment to the Space server (caption fan-out); failures are reported, not thrown. */
  post: (spaceId: string, segment: CaptionSegment) => Promise<void>;
  createEngine?: (name: SpeechEngineName) => SpeechEngine;
  now?: () => number;
  restartDelayMs?: number;
}

/** A 20 ms frame louder than this (RMS of s16 samples, about -40 dBFS) counts as speech for segment timing. */
const VOICE_RMS = 330;
const FRAME = PCM_SAMPLE_RATE / 50;
const PARTIAL_POST_MS = 250;
const MAX_RESTARTS_PER_MINUTE = 5;
/** At End, how long the engine may take to recognize what it still holds before it is killed (its last partial is kept then). */
const FINISH_TIMEOUT_MS = 8000;

/**
 * The Studio's transcript engine host (plain TypeScript, no Electron): receives program PCM from
 * the renderer, feeds the chosen engine (a separate process), turns its results into segments
 * with start/end times and the speaker (from the server's speaking events), keeps the transcript,
 * sends captions to the Space server, and restarts the engine when it crashes.
 */
export class TranscriptService {
  readonly models: SpeechModelStore;
  private engine?: SpeechEngine;
  private status: TranscriptStatus = { engine: 'pocketsphinx', state: 'stopped', message: null, spaceId: null, restarts: 0 };
  private readonly segments: CaptionSegment[] = [];
  /** Samples received since the transcript started: the timeline of segment times. */
  private samples = 0;
  private utteranceStartMs: number | null = null;
  private utteranceStartWall = 0;
  private lastVoicedMs = 0;
  private lastVoicedWall = 0;
  private current: CaptionSegment | null = null;
  private nextId = 1;
  private lastPartialPost = 0;
  private restartTimes: number[] = [];
  private restartTimer?: NodeJS.Timeout;
  /** Final segments on their way to the server (End waits for them before the Space ends). */
  private readonly posting = new Set<Promise<void>>();
  /** End was pressed: audio arriving after it is not part of the Space. */
  private ending = false;
  /** Wall-clock time of the end of speech of each final segment (for latency measurements). */
  readonly speechEndedAt = new Map<string, number>();
  // Speaker attribution
  private readonly names = new Map<string, string>();
  private readonly speakingSince = new Map<string, number>();
  private readonly spoke: { memberId: string; from: number; to: number }[] = [];
  private readonly now: () => number;

  constructor(private readonly deps: TranscriptServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.models = new SpeechModelStore(deps.dataDir, (s) => deps.emit('onSpeechModel', s));
  }

  get enginePid(): number | undefined {
    return this.engine?.pid;
  }

  /** Follows the Space's server events: speaking (who talks when) and the roster (their names). */
  observe(e: ServerEvent): void {
    if (e.type === 'space.roster') {
      for (const m of [...e.roster.stage, ...e.roster.audience]) this.names.set(m.id, m.displayName);
    } else if (e.type === 'space.speaking') {
      const t = this.now();
      if (e.speaking) this.speakingSince.set(e.memberId, t);
      else {
        const from = this.speakingSince.get(e.memberId);
        this.speakingSince.delete(e.memberId);
        if (from !== undefined) this.spoke.push({ memberId: e.memberId, from, to: t });
        if (this.spoke.length > 500) this.spoke.splice(0, this.spoke.length - 500);
      }
    }
  }

  // ---- IPC ----

  /**
   * Start and stop run one after the other, in the order asked: a quick engine switch in the UI
   * (stop, then start) must not let the slow stop finish last and overwrite the new state.
   */
  private lifecycle: Promise<unknown> = Promise.resolve();
  private serial<T>(step: () => Promise<T>): Promise<T> {
    const next = this.lifecycle.then(step, step);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }

  startTranscript(req: IpcParsedRequest<'startTranscript'>): Promise<TranscriptStatus> {
    return this.serial(() => this.start(req));
  }

  stopTranscript(): Promise<TranscriptStatus> {
    return this.serial(() => this.stop());
  }

  /**
   * The Space `spaceId` is about to end: the engine recognizes the audio it still holds, the
   * utterance in progress becomes a final segment (the engine's own final, else its last
   * partial), and every final has reached the server before this resolves, so the server stores
   * the words said right up to End. The engine is stopped afterwards. Nothing to do when this
   * Studio is not transcribing that Space.
   */
  finishForEnd(spaceId: string): Promise<TranscriptStatus> {
    return this.serial(async () => {
      const engine = this.engine;
      if (!engine || this.status.spaceId !== spaceId) return this.status;
      clearTimeout(this.restartTimer);
      this.ending = true;
      await engine.finish(FINISH_TIMEOUT_MS); // its results still arrive through onResult meanwhile
      this.engine = undefined;
      this.finishCurrent();
      await Promise.all([...this.posting]);
      this.setStatus({ state: 'stopped', message: null });
      return this.status;
    });
  }

  private async start(req: IpcParsedRequest<'startTranscript'>): Promise<TranscriptStatus> {
    if (this.engine && this.status.engine === req.engine && this.status.state !== 'failed') {
      this.setStatus({ spaceId: req.spaceId });
      return this.status;
    }
    await this.stopEngine();
    this.samples = 0;
    this.ending = false;
    this.segments.length = 0;
    this.current = null;
    this.utteranceStartMs = null;
    this.restartTimes = [];
    this.setStatus({ engine: req.engine, state: 'starting', message: null, spaceId: req.spaceId, restarts: 0 });
    try {
      await this.launch(req.engine);
      this.setStatus({ state: 'running' });
    } catch (err) {
      this.engine = undefined;
      this.setStatus({ state: 'failed', message: AppError.from(err).message });
    }
    return this.status;
  }

  private async stop(): Promise<TranscriptStatus> {
    await this.stopEngine();
    this.setStatus({ state: 'stopped', message: null });
    return this.status;
  }

  getTranscriptStatus(): TranscriptStatus {
    return this.status;
  }

  transcriptPcm(req: IpcParsedRequest<'transcriptPcm'>): IpcResponse<'transcriptPcm'> {
    const pcm = Buffer.from(req.pcm, 'base64');
    if (pcm.length % 2 !== 0) throw new AppError('bad_message', 'PCM chunks are whole 16-bit samples');
    if (!this.engine || this.status.state !== 'running' || this.ending) return { accepted: false };
    this.track(pcm);
    return { accepted: this.engine.write(pcm) };
  }

  /** The line the engine is still recognising (its last partial), if any: a take that stops now keeps it. */
  partial(): CaptionSegment | null {
    return this.current?.text ? { ...this.current } : null;
  }

  getTranscript(): IpcResponse<'getTranscript'> {
    return { segments: this.segments.slice() };
  }

  exportTranscript(req: IpcParsedRequest<'exportTranscript'>): IpcResponse<'exportTranscript'> {
    const base = this.status.spaceId ? `space-${this.status.spaceId}` : 'transcript';
    return { filename: `${base}.${req.format}`, mime: FORMAT_MIME[req.format], content: formatTranscript(req.format, this.segments) };
  }

  getSpeechModel(): ModelStatus {
    return this.models.status();
  }

  /** Which engines can run here and why not: pocketsphinx needs the GStreamer plugin, sherpa-onnx its runtime and a model. */
  async getSpeechEngines(): Promise<IpcResponse<'getSpeechEngines'>> {
    const [sphinx, sherpa] = await Promise.all([pocketsphinxAvailability(), new SherpaOnnxEngine(this.models).availability()]);
    return { engines: [{ name: 'pocketsphinx', ...sphinx }, { name: 'sherpa-onnx', ...sherpa }] };
  }

  downloadSpeechModel(req: IpcParsedRequest<'downloadSpeechModel'>): Promise<ModelStatus> {
    return this.models.download(req.url, req.sha256);
  }

  dispose(): void {
    clearTimeout(this.restartTimer);
    void this.stopEngine();
  }

  // ---- engine ----

  private createEngine(name: SpeechEngineName): SpeechEngine {
    if (this.deps.createEngine) return this.deps.createEngine(name);
    return name === 'pocketsphinx' ? new PocketsphinxEngine() : new SherpaOnnxEngine(this.models);
  }

  private async launch(name: SpeechEngineName): Promise<void> {
    const engine = this.createEngine(name);
    engine.on('result', (r) => this.engine === engine && this.onResult(r));
    engine.on('crash', (reason) => this.engine === engine && this.onCrash(reason));
    this.engine = engine;
    await engine.start();
  }

  private onCrash(reason: string): void {
    this.finishCurrent();
    this.engine = undefined;
    const t = this.now();
    this.restartTimes = this.restartTimes.filter((x) => t - x < 60_000);
    if (this.restartTimes.length >= MAX_RESTARTS_PER_MINUTE) {
      this.setStatus({ state: 'failed', message: `The speech engine keeps stopping (${reason}); transcription is off. The broadcast is not affected.` });
      return;
    }
    this.restartTimes.push(t);
    this.setStatus({ state: 'restarting', message: `The speech engine stopped (${reason}); restarting it. The broadcast is not affected.`, restarts: this.status.restarts + 1 });
    this.restartTimer = setTimeout(() => {
      if (this.status.state !== 'restarting') return;
      this.launch(this.status.engine).then(
        () => this.setStatus({ state: 'running', message: `The speech engine was restarted after it stopped (${reason}).` }),
        (err: unknown) => this.setStatus({ state: 'failed', message: `The speech engine could not be restarted: ${AppError.from(err).message}` }),
      );
    }, this.deps.restartDelayMs ?? 300);
  }

  private async stopEngine(): Promise<void> {
    clearTimeout(this.restartTimer);
    const engine = this.engine;
    this.engine = undefined;
    this.finishCurrent();
    await engine?.stop();
  }

  private setStatus(patch: Partial<TranscriptStatus>): void {
    this.status = { ...this.status, ...patch };
    this.deps.emit('onTranscriptStatus', this.status);
  }

  // ---- segments ----

  /** Follows speech in the program audio (20 ms frames) to time segments. */
  private track(pcm: Buffer): void {
    const wallEnd = this.now();
    const n = pcm.length / 2;
    for (let i = 0; i < n; i += FRAME) {
      const end = Math.min(n, i + FRAME);
      let acc = 0;
      for (let j = i; j < end; j++) {
        const x = pcm.readInt16LE(j * 2);
        acc += x * x;
      }
      if (Math.sqrt(acc / (end - i)) < VOICE_RMS) continue;
      const startMs = ((this.samples + i) * 1000) / PCM_SAMPLE_RATE;
      const endMs = ((this.samples + end) * 1000) / PCM_SAMPLE_RATE;
      const wall = wallEnd - ((n - end) * 1000) / PCM_SAMPLE_RATE;
      if (this.utteranceStartMs === null) {
        this.utteranceStartMs = startMs;
        this.utteranceStartWall = wall - 20;
      }
      this.lastVoicedMs = endMs;
      this.lastVoicedWall = wall;
    }
    this.samples += n;
  }

  private onResult(r: EngineResult): void {
    if (!r.final && !r.text) return;
    const nowMs = Math.round((this.samples * 1000) / PCM_SAMPLE_RATE);
    const startMs = Math.round(this.utteranceStartMs ?? Math.max(0, nowMs - 1000));
    const endMs = Math.max(startMs, Math.round(this.lastVoicedMs >= startMs ? this.lastVoicedMs : nowMs));
    const id = this.current?.id ?? `s${this.nextId++}`;
    const speaker = this.speakerFor(this.utteranceStartWall || this.now() - 1000, this.lastVoicedWall || this.now());
    const segment: CaptionSegment = { id, startMs, endMs, text: r.text, final: r.final, speakerId: speaker?.id ?? null, speakerName: speaker?.name ?? null, engine: this.status.engine };
    if (r.final) {
      this.current = null;
      this.utteranceStartMs = null;
      this.utteranceStartWall = 0;
      if (!r.text) {
        // Nothing recognised: drop the partial line.
        this.deps.emit('onTranscriptSegment', segment);
        return;
      }
      this.speechEndedAt.set(id, this.lastVoicedWall);
      const prev = this.segments.at(-1);
      if (prev && segment.startMs < prev.endMs) segment.startMs = Math.min(segment.endMs, prev.endMs);
      this.segments.push(segment);
    } else {
      this.current = segment;
    }
    this.deps.emit('onTranscriptSegment', segment);
    this.send(segment);
  }

  private finishCurrent(): void {
    if (this.current?.text) this.onResult({ text: this.current.text, final: true });
    this.current = null;
  }

  private send(segment: CaptionSegment): void {
    const spaceId = this.status.spaceId;
    if (!spaceId) return;
    if (!segment.final) {
      if (this.now() - this.lastPartialPost < PARTIAL_POST_MS) return;
      this.lastPartialPost = this.now();
    }
    const sent = this.deps.post(spaceId, segment).catch(() => undefined);
    if (segment.final) {
      this.posting.add(sent);
      void sent.finally(() => this.posting.delete(sent));
    }
  }

  /** Who was speaking during [from, to] (wall clock): the most overlap, else the latest speaker shortly before. */
  private speakerFor(from: number, to: number): { id: CaptionSegment['speakerId'] & string; name: string } | null {
    const t = this.now();
    const spans = [...this.spoke, ...[...this.speakingSince].map(([memberId, since]) => ({ memberId, from: since, to: t }))];
    const overlap = new Map<string, number>();
    for (const s of spans) {
      const o = Math.min(to + 300, s.to) - Math.max(from - 300, s.from);
      if (o > 0) overlap.set(s.memberId, (overlap.get(s.memberId) ?? 0) + o);
    }
    let best: string | undefined;
    for (const [id, o] of overlap) if (!best || o > overlap.get(best)!) best = id;
    if (!best) {
      const recent = spans.filter((s) => s.to > from - 5000).sort((a, b) => b.to - a.to)[0];
      best = recent?.memberId;
    }
    if (!best) return null;
    return { id: best as never, name: this.names.get(best) ?? 'Speaker' };
  }
}
