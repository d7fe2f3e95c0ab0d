import { i18next } from '../i18n';
import type { ConsoleEngine, MonitorMode, SourceRoute } from './consoleEngine';
import { StripChain } from './stripChain';
import type { LevelTap } from './levelTap';
import { Sentence } from '../errors';

/** Which input channel(s) feed the strip: all mixed down, one channel, or a stereo pair. */
export type ChannelSelect = 'mix' | `in-${number}` | `pair-${number}`;

export interface InputSettings {
  deviceId: string | null;
  channel: ChannelSelect;
  echoCancellation: boolean;
  noiseSuppression: boolean;
  autoGainControl: boolean;
  gainDb: number;
  monitorMode: MonitorMode;
}

/** Browsers switch voice processing on by default; a pro microphone wants all three off. */
export const PRO_PRESET = { echoCancellation: false, noiseSuppression: false, autoGainControl: false } as const;

export const DEFAULT_INPUT: InputSettings = {
  deviceId: null,
  channel: 'mix',
  ...PRO_PRESET,
  gainDb: 0,
  monitorMode: 'off',
};


/**
 * The microphone's strip: device capture -> channel select -> gain -> (meter) -> mute/cough ->
 * console routing. Re-open it to change device, channels or processing (they are capture
 * constraints); gain, mute and monitor mode change live.
 */
export class InputStrip {
  private readonly chain: StripChain;
  private readonly route: SourceRoute;
  private muted = false;
  private coughing = false;

  private constructor(
    private readonly engine: ConsoleEngine,
    private readonly stream: MediaStream,
    private readonly source: MediaStreamAudioSourceNode,
    readonly settings: InputSettings,
    /** What the browser actually gave us (processing flags, channels, rate). */
    readonly applied: MediaTrackSettings,
    readonly label: string,
  ) {
    const ctx = engine.ctx;
    this.chain = new StripChain(ctx);
    select(ctx, source, settings.channel, this.channelCount).connect(this.chain.input);
    this.route = engine.route(this.chain.output, settings.monitorMode);
    this.setGainDb(settings.gainDb);
  }

  static async open(engine: ConsoleEngine, settings: InputSettings): Promise<InputStrip> {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        ...(settings.deviceId ? { deviceId: { exact: settings.deviceId } } : {}),
        echoCancellation: settings.echoCancellation,
        noiseSuppression: settings.noiseSuppression,
        autoGainControl: settings.autoGainControl,
        sampleRate: { ideal: 48000 },
        channelCount: { ideal: settings.channel === 'mix' ? 1 : 8 },
      },
      video: false,
    });
    const track = stream.getAudioTracks()[0];
    if (!track) throw new Sentence(i18next.t('errors.noTrack'));
    await engine.resume();
    return new InputStrip(engine, stream, engine.ctx.createMediaStreamSource(stream), settings, track.getSettings(), track.label);
  }

  get channelCount(): number {
    return this.applied.channelCount ?? this.source.channelCount ?? 1;
  }

  get track(): MediaStreamTrack {
    return this.stream.getAudioTracks()[0]!;
  }

  setGainDb(db: number): void {
    this.settings.gainDb = db;
    this.chain.setGainDb(db);
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    this.applyMute();
  }

  /** The cough key: silent while held. */
  setCough(down: boolean): void {
    this.coughing = down;
    this.applyMute();
  }

  get isMuted(): boolean {
    return this.muted || this.coughing;
  }

  setMonitorMode(mode: MonitorMode): void {
    this.settings.monitorMode = mode;
    this.route.setMode(mode);
  }

  /** Peak and RMS after the gain (before mute), from the strip's worklet meter. */
  get meter(): LevelTap {
    return this.chain.meter;
  }

  /** Records `ms` of the strip (after gain) to hear yourself; never goes to the broadcast. */
  async testRecording(ms = 10_000): Promise<Blob> {
    const tap = this.engine.ctx.createMediaStreamDestination();
    this.chain.input.connect(tap);
    const recorder = new MediaRecorder(tap.stream);
    const chunks: Blob[] = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    const done = new Promise<void>((resolve) => (recorder.onstop = () => resolve()));
    recorder.start();
    await new Promise((r) => setTimeout(r, ms));
    recorder.stop();
    await done;
    this.chain.input.disconnect(tap);
    return new Blob(chunks, { type: recorder.mimeType });
  }

  close(): void {
    this.route.disconnect();
    this.chain.close();
    this.source.disconnect();
    for (const t of this.stream.getTracks()) t.stop();
  }

  private applyMute(): void {
    this.chain.setSilent(this.isMuted);
  }
}

/** Picks the chosen channel(s) of a multichannel input; the result is mono or a stereo pair. */
function select(ctx: AudioContext, source: AudioNode, channel: ChannelSelect, channels: number): AudioNode {
  if (channel === 'mix' || channels <= 1) return source;
  const split = ctx.createChannelSplitter(Math.max(channels, 2));
  source.connect(split);
  const index = Math.min(Number(channel.split('-')[1] ?? 1), channels) - 1;
  const merge = ctx.createChannelMerger(2);
  if (channel.startsWith('pair-')) {
    split.connect(merge, index, 0);
    split.connect(merge, Math.min(index + 1, channels - 1), 1);
  } else {
    split.connect(merge, index, 0);
    split.connect(merge, index, 1);
  }
  return merge;
}

/** The channel choices a device with `channels` inputs offers (labels: mixer.channels.<kind>). */
export function channelChoices(channels: number): { value: ChannelSelect; kind: 'mono' | 'mixed' | 'input' | 'pair'; n: number; m?: number }[] {
  const out: { value: ChannelSelect; kind: 'mono' | 'mixed' | 'input' | 'pair'; n: number; m?: number }[] = [{ value: 'mix', kind: channels > 1 ? 'mixed' : 'mono', n: channels }];
  if (channels > 1) {
    for (let i = 1; i <= channels; i++) out.push({ value: `in-${i}`, kind: 'input', n: i });
    for (let i = 1; i < channels; i += 2) out.push({ value: `pair-${i}`, kind: 'pair', n: i, m: i + 1 });
  }
  return out;
}
