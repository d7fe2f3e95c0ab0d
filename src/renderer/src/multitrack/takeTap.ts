import type { ConsoleEngine } from '../audio/consoleEngine';
import workletUrl from './takeTap.worklet.js?url&no-inline';

export interface TakeChunk {
  frames: number;
  mic: string;
  program: string;
  stage: string;
}

function toBase64(samples: Float32Array): string {
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * The take's audio tap (issue 13): one AudioWorklet node with three inputs, so the tracks stay
 * sample-aligned: the microphone as captured (before gain, mute and the Opus encoder), the
 * program (broadcast bus + stage mix) and the stage return. Float32 goes to the main process,
 * which writes 24-bit WAV. `start` resolves with the wall-clock time of the first sample.
 */
export class TakeTap {
  private node: AudioWorkletNode | null = null;
  private micSource: MediaStreamAudioSourceNode | null = null;
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

  async start(mic: MediaStreamTrack, onChunk: (chunk: TakeChunk) => void): Promise<number> {
    if (this.node) throw new Error('already recording');
    const ctx = this.engine.ctx;
    await this.engine.resume();
    this.loading ??= ctx.audioWorklet.addModule(workletUrl);
    await this.loading;
    const node = new AudioWorkletNode(ctx, 'take-tap', { numberOfInputs: 3, numberOfOutputs: 1, outputChannelCount: [1], channelCount: 1, channelCountMode: 'explicit' });
    const started = new Promise<number>((resolve) => {
      node.port.onmessage = (e: MessageEvent<{ startFrame?: number; frames?: number; tracks?: Float32Array[] }>) => {
        const d = e.data;
        if (d.startFrame !== undefined) {
          // The context's clock -> wall clock, through the timestamp pair the browser gives us.
          const ts = ctx.getOutputTimestamp();
          resolve(performance.timeOrigin + (ts.performanceTime ?? performance.now()) + (d.startFrame / ctx.sampleRate - (ts.contextTime ?? ctx.currentTime)) * 1000);
        } else if (d.frames && d.tracks) {
          onChunk({ frames: d.frames, mic: toBase64(d.tracks[0]!), program: toBase64(d.tracks[1]!), stage: toBase64(d.tracks[2]!) });
        }
      };
    });
    this.micSource = ctx.createMediaStreamSource(new MediaStream([mic]));
    this.micSource.connect(node, 0, 0);
    this.program.connect(node, 0, 1);
    this.engine.stageTap.connect(node, 0, 2);
    node.connect(this.silent);
    this.silent.connect(ctx.destination);
    this.node = node;
    return started;
  }

  /** Stops; the last partial chunk is delivered first. */
  async stop(): Promise<void> {
    const node = this.node;
    if (!node) return;
    this.node = null;
    node.port.postMessage('flush');
    await new Promise((r) => setTimeout(r, 50));
    this.micSource?.disconnect();
    this.micSource = null;
    this.program.disconnect(node);
    this.engine.stageTap.disconnect(node);
    node.disconnect();
    node.port.onmessage = null;
  }
}
