import { i18next } from '../i18n';
import type { Pad } from '../../../shared/soundboard';
import type { ConsoleEngine, MonitorMode, SourceRoute } from './consoleEngine';
import { dbToGain } from './levels';
import { LevelTap } from './levelTap';

interface Voice {
  source: AudioBufferSourceNode;
  gain: GainNode;
}

/**
 * Plays the soundboard's pads into one bus that the console routes to the broadcast and the
 * monitor. Clips are decoded once and kept in memory. Modes: one-shot (plays to the end; pressing
 * again restarts), toggle (press to start, press to stop), loop (loops until pressed again).
 */
export class SoundboardPlayer {
  private readonly bus: GainNode;
  private readonly route: SourceRoute;
  private readonly buffers = new Map<string, AudioBuffer>();
  private readonly playing = new Map<string, Voice>();
  private readonly listeners = new Set<() => void>();
  private notifying: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly engine: ConsoleEngine,
    monitorMode: MonitorMode = 'monitor-and-output',
  ) {
    this.bus = engine.ctx.createGain();
    this.route = engine.route(this.bus, monitorMode);
    this.meter = new LevelTap(engine.ctx, this.bus);
  }

  /** The soundboard strip's meter (after its fader). */
  readonly meter: LevelTap;

  /** The soundboard strip's fader, dB. */
  setGainDb(db: number): void {
    this.bus.gain.setTargetAtTime(dbToGain(db), this.engine.ctx.currentTime, 0.01);
  }

  get monitorMode(): MonitorMode {
    return this.route.mode;
  }

  setMonitorMode(mode: MonitorMode): void {
    this.route.setMode(mode);
  }

  /** Decodes a clip (throws the browser's reason for a file it cannot decode). */
  async decode(bytes: ArrayBuffer): Promise<AudioBuffer> {
    return this.engine.ctx.decodeAudioData(bytes);
  }

  has(clipId: string): boolean {
    return this.buffers.has(clipId);
  }

  store(clipId: string, buffer: AudioBuffer): void {
    this.buffers.set(clipId, buffer);
  }

  isPlaying(padId: string): boolean {
    return this.playing.has(padId);
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** A press on the pad: what happens depends on its mode. Returns when the sound is scheduled. */
  trigger(pad: Pad, others: readonly Pad[]): void {
    const buffer = this.buffers.get(pad.clipId);
    if (!buffer) throw new Error(i18next.t('errors.clipNotLoaded', { name: pad.name }));
    if (this.playing.has(pad.id) && pad.mode !== 'one-shot') {
      this.stop(pad);
      return;
    }
    if (pad.stopOthers) for (const other of others) if (other.id !== pad.id) this.stop(other);
    this.stop(pad, 0);
    const ctx = this.engine.ctx;
    void this.engine.resume();
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.loop = pad.mode === 'loop';
    const gain = ctx.createGain();
    const level = 10 ** (pad.gainDb / 20);
    const now = ctx.currentTime;
    if (pad.fadeInMs > 0) {
      gain.gain.setValueAtTime(0, now);
      gain.gain.linearRampToValueAtTime(level, now + pad.fadeInMs / 1000);
    } else gain.gain.setValueAtTime(level, now);
    source.connect(gain).connect(this.bus);
    const voice = { source, gain };
    source.onended = () => {
      if (this.playing.get(pad.id) === voice) {
        this.playing.delete(pad.id);
        this.changed();
      }
      gain.disconnect();
    };
    source.start(now);
    this.playing.set(pad.id, voice);
    this.changed();
  }

  /** Stops a pad, with its fade-out unless told otherwise. */
  stop(pad: Pad, fadeOutMs = pad.fadeOutMs): void {
    const voice = this.playing.get(pad.id);
    if (!voice) return;
    this.playing.delete(pad.id);
    const now = this.engine.ctx.currentTime;
    const end = now + fadeOutMs / 1000;
    voice.gain.gain.cancelScheduledValues(now);
    voice.gain.gain.setValueAtTime(voice.gain.gain.value, now);
    voice.gain.gain.linearRampToValueAtTime(0, end + 0.005);
    voice.source.stop(end + 0.01);
    this.changed();
  }

  stopAll(pads: readonly Pad[]): void {
    for (const pad of pads) this.stop(pad);
  }

  close(): void {
    for (const v of this.playing.values()) v.source.stop();
    this.playing.clear();
    this.route.disconnect();
  }

  /**
   * Tells the UI, from a task of its own: a pad press (a keydown, a click) returns as soon as
   * the sound is scheduled, and React renders afterwards.
   */
  private changed(): void {
    if (this.notifying) return;
    this.notifying = setTimeout(() => {
      this.notifying = null;
      for (const fn of this.listeners) fn();
    }, 0);
  }
}
