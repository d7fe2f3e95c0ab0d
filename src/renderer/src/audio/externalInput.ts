import type { ConsoleEngine, SourceRoute } from './consoleEngine';
import { StripChain } from './stripChain';
import type { LevelTap } from './levelTap';


/**
 * The external input's strip: another application's audio (played into the Studio's virtual
 * "External Input" device) captured -> gain -> meter -> mute -> the console's broadcast bus.
 * Deliberately small and apart from the microphone strip; it joins the graph through
 * ConsoleEngine.route like any other source (broadcast only, not monitored).
 */
export class ExternalInput {
  private readonly chain: StripChain;
  private readonly route: SourceRoute;

  private constructor(
    private readonly engine: ConsoleEngine,
    private readonly stream: MediaStream,
    private readonly source: MediaStreamAudioSourceNode,
    gainDb: number,
    muted: boolean,
  ) {
    this.chain = new StripChain(engine.ctx);
    source.connect(this.chain.input);
    this.route = engine.route(this.chain.output, 'off');
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
    this.chain.setGainDb(db);
  }

  setMuted(muted: boolean): void {
    this.chain.setSilent(muted);
  }

  /** Peak and RMS after the gain (before mute), from the strip's worklet meter. */
  get meter(): LevelTap {
    return this.chain.meter;
  }

  close(): void {
    this.route.disconnect();
    this.chain.close();
    this.source.disconnect();
    for (const t of this.stream.getTracks()) t.stop();
  }
}
