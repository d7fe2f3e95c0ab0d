import workletUrl from './levelMeter.worklet.js?url&no-inline';
import { toDb } from './levels';

export interface Levels {
  peakDb: number;
  rmsDb: number;
}

const loaded = new WeakMap<BaseAudioContext, Promise<void>>();

/** Loads the meter worklet once per context. */
function loadMeter(ctx: BaseAudioContext): Promise<void> {
  let p = loaded.get(ctx);
  if (!p) {
    p = ctx.audioWorklet.addModule(workletUrl);
    loaded.set(ctx, p);
  }
  return p;
}

/**
 * A meter on a node of the graph, measured in an AudioWorklet (off the main thread): the main
 * thread only receives ~30 small messages a second and never reads sample data itself.
 */
export class LevelTap {
  private node: AudioWorkletNode | null = null;
  private latest: Levels = { peakDb: -Infinity, rmsDb: -Infinity };
  private loudness = -Infinity;
  private readonly listeners = new Set<(l: Levels) => void>();
  private closed = false;

  constructor(
    private readonly ctx: BaseAudioContext,
    private readonly source: AudioNode,
    /** With a window: the mean square over it, as loudness (LUFS when the input is K-weighted). */
    windowS?: number,
  ) {
    void loadMeter(ctx).then(() => {
      if (this.closed) return;
      const node = new AudioWorkletNode(ctx, 'level-meter', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1], channelCount: 1, channelCountMode: 'explicit', processorOptions: { windowS } });
      node.port.onmessage = (e: MessageEvent<{ peak: number; rms: number; loudnessMs?: number }>) => {
        this.latest = { peakDb: toDb(e.data.peak), rmsDb: toDb(e.data.rms) };
        if (e.data.loudnessMs !== undefined) this.loudness = e.data.loudnessMs > 0 ? -0.691 + 10 * Math.log10(e.data.loudnessMs) : -Infinity;
        for (const fn of this.listeners) fn(this.latest);
      };
      // Pulled by the graph through a muted gain to the destination; nothing is heard.
      const silent = ctx.createGain();
      silent.gain.value = 0;
      source.connect(node).connect(silent).connect(ctx.destination);
      this.node = node;
    });
  }

  /** The latest levels (dBFS; -Infinity for silence). */
  levels = (): Levels => this.latest;

  /** Loudness over the window, LUFS (-Infinity in silence or without a window). */
  lufs(): number {
    return this.loudness;
  }

  subscribe(fn: (l: Levels) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    if (this.node) {
      this.node.port.onmessage = null;
      try {
        this.source.disconnect(this.node);
      } catch {
        /* already */
      }
      this.node.disconnect();
    }
  }
}
