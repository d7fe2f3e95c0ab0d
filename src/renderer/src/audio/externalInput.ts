import type { ConsoleEngine, SourceRoute } from './consoleEngine';
import { dbToGain, readLevels } from './levels';


/**
 * The external input's strip: another application's audio (played into the Studio's virtual
 * "External Input" device) captured -> gain -> meter -> mute -> the console's broadcast bus.
 * Deliberately small and apart from the microphone strip; it joins the graph through
 * ConsoleEngine.route like any other source (broadcast only, not monitored).
 */
export class ExternalInput {
  private readonly gain: GainNode;
  private readonly mute: GainNode;
  private readonly analyser: AnalyserNode;
  private readonly route: SourceRoute;
  private readonly buf: Float32Array<ArrayBuffer>;

  private constructor(
    private readonly engine: ConsoleEngine,
    private readonly stream: MediaStream,
    private readonly source: MediaStreamAudioSourceNode,
    gainDb: number,
    muted: boolean,
  ) {
    const ctx = engine.ctx;
    this.gain = ctx.createGain();
    this.mute = ctx.createGain();
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 2048;
    this.buf = new Float32Array(this.analyser.fftSize);
    source.connect(this.gain);
    this.gain.connect(this.analyser);
    this.gain.connect(this.mute);
    this.route = engine.route(this.mute, 'off');
    this.setGainDb(gainDb);
    this.setMuted(muted);
  }

  static async open(engine: ConsoleEngine, deviceId: string, gainDb = 0, muted = false): Promise<ExternalInput> {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { deviceId: { exact: deviceId }, echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: { ideal: 2 } },
      video: false,
    });
    await engine.resume();
    return new ExternalInput(engine, stream, engine.ctx.createMediaStreamSource(stream), gainDb, muted);
  }

  setGainDb(db: number): void {
    this.gain.gain.setTargetAtTime(dbToGain(db), this.engine.ctx.currentTime, 0.01);
  }

  setMuted(muted: boolean): void {
    this.mute.gain.setTargetAtTime(muted ? 0 : 1, this.engine.ctx.currentTime, 0.005);
  }

  /** Peak and RMS after the gain (before mute), dBFS. */
  levels = (): { peakDb: number; rmsDb: number } => readLevels(this.analyser, this.buf);

  close(): void {
    this.route.disconnect();
    this.source.disconnect();
    for (const t of this.stream.getTracks()) t.stop();
  }
}
