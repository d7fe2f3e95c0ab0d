import type { ConsoleEngine } from '../audio/consoleEngine';
import type { TrackKind } from '../../../shared/multitrack';
import workletUrl from './takeTap.worklet.js?url&no-inline';

export interface TakeChunk {
  track: TrackKind;
  /** base64 float32le mono */
  pcm: string;
  /** Console tracks: wall-clock ms at which the chunk's first sample was rendered by the console. */
  at?: number;
}

export interface TapTrack {
  kind: TrackKind;
  sampleRate: number;
  /** Wall-clock ms of the first sample. */
  startedAt: number;
}

function toBase64(samples: Float32Array): string {
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Chromium's MediaStreamTrackProcessor (WebCodecs): a track's raw AudioData, as captured. */
interface AudioFrame {
  /** Capture time, µs. */
  readonly timestamp: number;
  readonly sampleRate: number;
  readonly numberOfFrames: number;
  readonly numberOfChannels: number;
  copyTo(dest: Float32Array, opts: { planeIndex: number; format: 'f32-planar' }): void;
  close(): void;
}
type ProcessorCtor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<AudioFrame> };

/** How long the mic's clock is watched before the take starts: its start is known to ~1 ms after this. */
const MIC_CLOCK_MS = 600;

/**
 * The take's audio tap (issue 13). The microphone is read straight from its capture track
 * (MediaStreamTrackProcessor) at the device's rate, before gain, mute and the Opus encoder, and
 * never through the AudioContext, whose clock is the output device's: a context that runs a
 * little slow or fast (measured: 4 % slow on a loaded machine) would drop or repeat mic samples.
 * The program (broadcast bus + stage mix) and the stage return come from one AudioWorklet node
 * with two inputs, so those two stay sample-aligned with each other. Float32 goes to the main
 * process, which writes 24-bit WAV. `start` resolves with each track's rate and first sample time.
 */
export class TakeTap {
  private node: AudioWorkletNode | null = null;
  private reader: ReadableStreamDefaultReader<AudioFrame> | null = null;
  private micTrack: MediaStreamTrack | null = null;
  private micLoop: Promise<void> | null = null;
  /** Mic chunks whose timestamp jumped by more than one chunk (diagnostics). */
  suspectedDrops = 0;
  /**
   * The best estimate of the mic's first sample (wall ms): the earliest any chunk could have been
   * captured, arrival minus the audio before and in it, over the whole take (it tightens as the
   * take goes on). The main process takes the final value at stop.
   */
  micStartedAt: number | null = null;
  private readonly program: GainNode;
  private readonly silent: GainNode;
  private loading: Promise<void> | null = null;

  constructor(private readonly engine: ConsoleEngine) {
    this.program = engine.ctx.createGain();
    this.silent = engine.ctx.createGain();
    this.silent.gain.value = 0;
    engine.broadcast.connect(this.program);
    engine.stageTap.connect(this.program);
  }

  get running(): boolean {
    return this.node !== null;
  }

  async start(mic: MediaStreamTrack, onChunk: (chunk: TakeChunk) => void): Promise<TapTrack[]> {
    if (this.node) throw new Error('already recording');
    const Processor = (globalThis as unknown as { MediaStreamTrackProcessor?: ProcessorCtor }).MediaStreamTrackProcessor;
    if (!Processor) throw new Error('this browser cannot read the microphone losslessly (no MediaStreamTrackProcessor)');
    const ctx = this.engine.ctx;
    await this.engine.resume();
    this.loading ??= ctx.audioWorklet.addModule(workletUrl);
    await this.loading;
    const wall = (): number => performance.timeOrigin + performance.now();

    // Console tracks.
    const node = new AudioWorkletNode(ctx, 'take-tap', { numberOfInputs: 2, numberOfOutputs: 1, outputChannelCount: [1], channelCount: 1, channelCountMode: 'explicit' });
    const consoleStart = new Promise<number>((resolve) => {
      // A context frame -> the wall-clock time the graph rendered it: the timestamp pair the
      // browser gives (when a frame is played at the output), less the output's latency. Taken
      // for every chunk: a context that falls behind real time (a busy machine) is followed. The
      // input's latency (mic into the context), which no API reports and which wanders under
      // load, is measured on the take at export (takeExport.ts, `measureLag`).
      const capturedAt = (frame: number): number => {
        const ts = ctx.getOutputTimestamp();
        const played = performance.timeOrigin + (ts.performanceTime ?? performance.now()) + (frame / ctx.sampleRate - (ts.contextTime ?? ctx.currentTime)) * 1000;
        return played - (ctx.baseLatency + (ctx.outputLatency || 0)) * 1000;
      };
      node.port.onmessage = (e: MessageEvent<{ first?: number; startFrame?: number; frames?: number; tracks?: Float32Array[] }>) => {
        const d = e.data;
        if (d.first !== undefined) resolve(capturedAt(d.first));
        else if (d.tracks) {
          const at = d.startFrame !== undefined ? capturedAt(d.startFrame) : undefined;
          onChunk({ track: 'program', pcm: toBase64(d.tracks[0]!), at });
          onChunk({ track: 'stage', pcm: toBase64(d.tracks[1]!), at });
        }
      };
    });
    this.program.connect(node, 0, 0);
    this.engine.stageTap.connect(node, 0, 1);
    node.connect(this.silent);
    this.silent.connect(ctx.destination);
    this.node = node;

    // The microphone, at its own rate; its first sample's time is the earliest any chunk could
    // have been captured (arrival minus the audio up to its end), first over MIC_CLOCK_MS.
    this.micTrack = mic.clone();
    // A deep queue: a busy page (a long React render) must not make the browser drop mic frames.
    const reader = new Processor({ track: this.micTrack, maxBufferSize: 500 }).readable.getReader();
    this.reader = reader;
    let micStart = Infinity;
    let micRate = 0;
    let frames = 0;
    let pending: Float32Array[] = [];
    let pendingFrames = 0;
    let resolveMic: (v: { sampleRate: number; startedAt: number }) => void = () => undefined;
    const micReady = new Promise<{ sampleRate: number; startedAt: number }>((r) => (resolveMic = r));
    const firstAt = { t: 0 };
    let nextTs: number | null = null;
    const flushMic = (): void => {
      if (pendingFrames === 0) return;
      const out = new Float32Array(pendingFrames);
      let at = 0;
      for (const p of pending) (out.set(p, at), (at += p.length));
      pending = [];
      pendingFrames = 0;
      onChunk({ track: 'mic', pcm: toBase64(out) });
    };
    this.micLoop = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
        if (done || !value) break;
        const arrived = wall();
        const n = value.numberOfFrames;
        micRate = value.sampleRate;
        // Mono: the average of the channels (a stereo pair would want its own track).
        const mono = new Float32Array(n);
        const plane = new Float32Array(n);
        for (let c = 0; c < value.numberOfChannels; c++) {
          value.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
          for (let i = 0; i < n; i++) mono[i]! += plane[i]! / value.numberOfChannels;
        }
        // The capture's own timestamps (µs, performance.now()'s timeline) only count suspected
        // drops here: they jitter by more than a frame, so they do not place samples.
        const duration = (n / value.sampleRate) * 1e6;
        if (nextTs !== null && value.timestamp - nextTs > 1.5 * duration) this.suspectedDrops++;
        nextTs = value.timestamp + duration;
        value.close();
        frames += n;
        micStart = Math.min(micStart, arrived - (frames / micRate) * 1000);
        this.micStartedAt = micStart;
        if (!firstAt.t) firstAt.t = arrived;
        if (arrived - firstAt.t >= MIC_CLOCK_MS) resolveMic({ sampleRate: micRate, startedAt: micStart });
        pending.push(mono);
        pendingFrames += n;
        if (pendingFrames >= micRate / 5) flushMic();
      }
      flushMic();
    })();
    const [program, micInfo] = await Promise.all([consoleStart, micReady]);
    return [
      { kind: 'mic', sampleRate: micInfo.sampleRate, startedAt: micInfo.startedAt },
      { kind: 'program', sampleRate: ctx.sampleRate, startedAt: program },
      { kind: 'stage', sampleRate: ctx.sampleRate, startedAt: program },
    ];
  }

  /** Stops; the last partial chunks are delivered first. */
  async stop(): Promise<void> {
    const node = this.node;
    if (!node) return;
    this.node = null;
    node.port.postMessage('flush');
    await new Promise((r) => setTimeout(r, 50));
    await this.reader?.cancel().catch(() => undefined);
    await this.micLoop;
    this.reader = null;
    this.micLoop = null;
    this.micTrack?.stop();
    this.micTrack = null;
    this.program.disconnect(node);
    this.engine.stageTap.disconnect(node);
    node.disconnect();
    node.port.onmessage = null;
  }
}
