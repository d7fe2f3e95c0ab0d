import type { ConsoleEngine } from '../audio/consoleEngine';
import workletUrl from './pcmTap.worklet.js?url&no-inline';

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * The transcript's feed: the program (broadcast bus + stage mix) tapped by an AudioWorklet,
 * downsampled to 16 kHz mono s16le, sent to the main process in 100 ms chunks.
 */
export class TranscriptFeed {
  private readonly sum: GainNode;
  private readonly silent: GainNode;
  private node: AudioWorkletNode | null = null;
  private stageSource: MediaStreamAudioSourceNode | null = null;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly engine: ConsoleEngine,
    private readonly send: (pcmBase64: string) => void,
  ) {
    const ctx = engine.ctx;
    this.sum = ctx.createGain();
    this.silent = ctx.createGain();
    this.silent.gain.value = 0;
    engine.broadcast.connect(this.sum);
  }

  get running(): boolean {
    return this.node !== null;
  }

  async start(): Promise<void> {
    if (this.node) return;
    const ctx = this.engine.ctx;
    this.loading ??= ctx.audioWorklet.addModule(workletUrl);
    await this.loading;
    if (this.node) return;
    const node = new AudioWorkletNode(ctx, 'pcm-tap', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1], channelCount: 1, channelCountMode: 'explicit' });
    node.port.onmessage = (e: MessageEvent<ArrayBuffer>) => this.send(toBase64(new Uint8Array(e.data)));
    this.sum.connect(node);
    // The worklet must be pulled by the graph: through a muted gain to the destination.
    node.connect(this.silent);
    this.silent.connect(ctx.destination);
    this.node = node;
  }

  stop(): void {
    if (!this.node) return;
    this.sum.disconnect(this.node);
    this.node.disconnect();
    this.node.port.onmessage = null;
    this.node = null;
  }

  /** The stage mix (everyone but us), part of the program. */
  setStage(stream: MediaStream | null): void {
    this.stageSource?.disconnect();
    this.stageSource = stream ? this.engine.ctx.createMediaStreamSource(stream) : null;
    this.stageSource?.connect(this.sum);
  }
}
