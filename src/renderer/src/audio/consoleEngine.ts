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

import { dbToGain } from './levels';
import { LevelTap } from './levelTap';

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
  /** The stage return strip: the stage mix's level in the headphones (never broadcast). */
  readonly stageReturn = this.ctx.createGain();
  readonly stageMeter: LevelTap;
  private readonly loudness: LoudnessMeter;

  constructor() {
    this.broadcastOut.channelCount = 1;
    this.broadcast.connect(this.broadcastOut);
    this.monitor.connect(this.monitorOut);
    this.stageReturn.connect(this.monitor);
    this.stageMeter = new LevelTap(this.ctx, this.stageReturn);
    this.loudness = new LoudnessMeter(this.ctx, this.broadcast);
  }

  /** The stage return's level in the headphones, dB. */
  setStageGainDb(db: number): void {
    this.stageReturn.gain.setTargetAtTime(dbToGain(db), this.ctx.currentTime, 0.01);
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
    this.stageSource?.connect(this.stageReturn);
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
 * mean square over the last 3 s, -0.691 + 10 log10(ms), computed in the meter worklet.
 */
export class LoudnessMeter {
  private readonly tap: LevelTap;

  constructor(ctx: AudioContext, input: AudioNode) {
    const shelf = ctx.createBiquadFilter();
    shelf.type = 'highshelf';
    shelf.frequency.value = 1681.97;
    shelf.gain.value = 4.0;
    const highpass = ctx.createBiquadFilter();
    highpass.type = 'highpass';
    highpass.frequency.value = 38.13;
    highpass.Q.value = 0.5;
    input.connect(shelf).connect(highpass);
    this.tap = new LevelTap(ctx, highpass, 3);
  }

  shortTerm(): number {
    return this.tap.lufs();
  }

  stop(): void {
    this.tap.close();
  }
}
