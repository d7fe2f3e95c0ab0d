import { dbToGain, readLevels } from './levels';

/**
 * What every input strip has after its source: gain (dB) -> meter tap -> mute. The strip connects
 * its source to `input` and routes `output` into the console.
 */
export class StripChain {
  readonly input: GainNode;
  readonly output: GainNode;
  private readonly analyser: AnalyserNode;
  private readonly buf: Float32Array<ArrayBuffer>;

  constructor(private readonly ctx: BaseAudioContext) {
    this.input = ctx.createGain();
    this.output = ctx.createGain();
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 2048;
    this.buf = new Float32Array(this.analyser.fftSize);
    this.input.connect(this.analyser);
    this.input.connect(this.output);
  }

  setGainDb(db: number): void {
    this.input.gain.setTargetAtTime(dbToGain(db), this.ctx.currentTime, 0.01);
  }

  /** Silences (or not) what leaves the strip; the meter keeps showing the input. */
  setSilent(silent: boolean): void {
    this.output.gain.setTargetAtTime(silent ? 0 : 1, this.ctx.currentTime, 0.005);
  }

  /** Peak and RMS after the gain (before mute), dBFS. */
  levels = (): { peakDb: number; rmsDb: number } => readLevels(this.analyser, this.buf);
}
