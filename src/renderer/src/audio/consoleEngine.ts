/**
 * The broadcast console's audio graph (one AudioContext at 48 kHz):
 *
 *   mic strip ─┐                         ┌─> broadcast out (MediaStream track -> WebRTC stage)
 *   soundboard ┼─(per-source monitor mode)┤
 *   ext. input ┘                         └─> loudness meter (EBU R128 short-term)
 *   sources ──(monitor modes)──> monitor bus <── stage mix (always) ──> monitor out (<audio> + setSinkId)
 *
 * Monitor modes as in OBS: 'off' = to the broadcast only, 'monitor-only' = headphones only,
 * 'monitor-and-output' = both. The stage mix always reaches the headphones, never the broadcast.
 */
export type MonitorMode = 'off' | 'monitor-only' | 'monitor-and-output';

export interface SourceRoute {
  setMode(mode: MonitorMode): void;
  readonly mode: MonitorMode;
  disconnect(): void;
}

export class ConsoleEngine {
  readonly ctx = new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });
  /** Everything the audience hears from this Studio. */
  readonly broadcast = this.ctx.createGain();
  /** Everything the host hears in the headphones. */
  readonly monitor = this.ctx.createGain();
  private readonly broadcastOut = this.ctx.createMediaStreamDestination();
  private readonly monitorOut = this.ctx.createMediaStreamDestination();
  private stageSource: MediaStreamAudioSourceNode | null = null;
  /** The stage mix as a node that always exists (the take's stage-return track, issue 13). */
  readonly stageTap = this.ctx.createGain();
  private readonly loudness: LoudnessMeter;

  constructor() {
    this.broadcastOut.channelCount = 1;
    this.broadcast.connect(this.broadcastOut);
    this.monitor.connect(this.monitorOut);
    this.loudness = new LoudnessMeter(this.ctx, this.broadcast);
  }

  /** The broadcast as one audio track: stays the same whatever the sources, so no renegotiation. */
  get broadcastTrack(): MediaStreamTrack {
    return this.broadcastOut.stream.getAudioTracks()[0]!;
  }

  /** Play this in an <audio> element routed to the headphones (setSinkId). */
  get monitorStream(): MediaStream {
    return this.monitorOut.stream;
  }

  /** Short-term loudness of the broadcast (3 s window), LUFS; -Infinity in silence. */
  shortTermLufs(): number {
    return this.loudness.shortTerm();
  }

  /** Routes a source to the broadcast and/or the monitor by its monitor mode. */
  route(node: AudioNode, initial: MonitorMode): SourceRoute {
    let mode = initial;
    const apply = (): void => {
      try {
        node.disconnect(this.broadcast);
      } catch {
        /* was not connected */
      }
      try {
        node.disconnect(this.monitor);
      } catch {
        /* was not connected */
      }
      if (mode !== 'monitor-only') node.connect(this.broadcast);
      if (mode !== 'off') node.connect(this.monitor);
    };
    apply();
    return {
      get mode() {
        return mode;
      },
      setMode: (m) => {
        mode = m;
        apply();
      },
      disconnect: () => {
        mode = 'off';
        try {
          node.disconnect();
        } catch {
          /* already */
        }
      },
    };
  }

  /** The stage mix (everyone on stage but us) goes to the headphones. */
  setStage(stream: MediaStream | null): void {
    this.stageSource?.disconnect();
    this.stageSource = stream ? this.ctx.createMediaStreamSource(stream) : null;
    this.stageSource?.connect(this.monitor);
    this.stageSource?.connect(this.stageTap);
  }

  async resume(): Promise<void> {
    if (this.ctx.state !== 'running') await this.ctx.resume();
  }

  async close(): Promise<void> {
    this.loudness.stop();
    await this.ctx.close();
  }
}

/**
 * EBU R128 / ITU-R BS.1770 short-term loudness: K-weighting (a high shelf then a high-pass),
 * mean square over the last 3 s, -0.691 + 10 log10(ms). Read from an AnalyserNode every 50 ms.
 */
export class LoudnessMeter {
  private readonly analyser: AnalyserNode;
  private readonly buf: Float32Array<ArrayBuffer>;
  private readonly blocks: number[] = [];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(ctx: AudioContext, input: AudioNode) {
    const shelf = ctx.createBiquadFilter();
    shelf.type = 'highshelf';
    shelf.frequency.value = 1681.97;
    shelf.gain.value = 4.0;
    const highpass = ctx.createBiquadFilter();
    highpass.type = 'highpass';
    highpass.frequency.value = 38.13;
    highpass.Q.value = 0.5;
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 2048; // ~43 ms
    input.connect(shelf).connect(highpass).connect(this.analyser);
    this.buf = new Float32Array(this.analyser.fftSize);
    this.timer = setInterval(() => this.sample(), 50);
  }

  private sample(): void {
    this.analyser.getFloatTimeDomainData(this.buf);
    let sum = 0;
    for (const v of this.buf) sum += v * v;
    this.blocks.push(sum / this.buf.length);
    if (this.blocks.length > 60) this.blocks.shift(); // 60 x 50 ms = 3 s
  }

  shortTerm(): number {
    if (this.blocks.length === 0) return -Infinity;
    const ms = this.blocks.reduce((a, b) => a + b, 0) / this.blocks.length;
    return ms > 0 ? -0.691 + 10 * Math.log10(ms) : -Infinity;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
