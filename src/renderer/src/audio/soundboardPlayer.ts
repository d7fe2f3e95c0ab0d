import { i18next } from '../i18n';
import type { Pad } from '../../../shared/soundboard';
import type { ConsoleEngine, MonitorMode, SourceRoute } from './consoleEngine';
import { dbToGain } from './levels';
import { LevelTap } from './levelTap';
import { Sentence } from '../errors';

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
  private readonly fired = new Set<(pad: Pad) => void>();
  private notifying: ReturnType<typeof setTimeout> | null = null;
  private readonly slots = new Map<string, { gains: readonly [GainNode, GainNode]; next: 0 | 1 }>();

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

  /** Every time a pad starts playing (the take's markers, issue 13). */
  onFire(fn: (pad: Pad) => void): () => void {
    this.fired.add(fn);
    return () => this.fired.delete(fn);
  }

  /**
   * Builds each pad's two gain slots ahead of time (connected to the bus), so that a press only
   * creates its source, connects it once and starts it. Two per pad, used in turn, so a restart
   * can fade the previous sound on one while the new one starts on the other.
   */
  prepare(pads: readonly Pad[]): void {
    const ctx = this.engine.ctx;
    const ids = new Set(pads.map((p) => p.id));
    for (const [id, slot] of this.slots) {
      if (ids.has(id) || this.playing.has(id)) continue;
      for (const g of slot.gains) g.disconnect();
      this.slots.delete(id);
    }
    for (const pad of pads) {
      if (this.slots.has(pad.id)) continue;
      const gains = [ctx.createGain(), ctx.createGain()] as const;
      for (const g of gains) g.connect(this.bus);
      this.slots.set(pad.id, { gains, next: 0 });
    }
  }

  /** A press on the pad: what happens depends on its mode. Returns when the sound is scheduled. */
  trigger(pad: Pad, others: readonly Pad[]): void {
    const buffer = this.buffers.get(pad.clipId);
    if (!buffer) throw new Sentence(i18next.t('errors.clipNotLoaded', { name: pad.name }));
    if (this.playing.has(pad.id) && pad.mode !== 'one-shot') {
      this.stop(pad);
      return;
    }
    if (pad.stopOthers) for (const other of others) if (other.id !== pad.id) this.stop(other);
    this.stop(pad, 0);
    const ctx = this.engine.ctx;
    if (!this.slots.has(pad.id)) this.prepare([pad]);
    const slot = this.slots.get(pad.id)!;
    const gain = slot.gains[slot.next]!;
    slot.next = slot.next === 0 ? 1 : 0;
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.loop = pad.mode === 'loop';
    const level = 10 ** (pad.gainDb / 20);
    const now = ctx.currentTime;
    gain.gain.cancelScheduledValues(now);
    if (pad.fadeInMs > 0) {
      gain.gain.setValueAtTime(0, now);
      gain.gain.linearRampToValueAtTime(level, now + pad.fadeInMs / 1000);
    } else gain.gain.setValueAtTime(level, now);
    source.connect(gain);
    source.start(now);
    const voice = { source, gain };
    source.onended = () => {
      if (this.playing.get(pad.id) === voice) {
        this.playing.delete(pad.id);
        this.changed();
      }
      source.disconnect();
    };
    this.playing.set(pad.id, voice);
    if (ctx.state !== 'running') void this.engine.resume();
    this.changed();
    for (const fn of this.fired) fn(pad);
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
