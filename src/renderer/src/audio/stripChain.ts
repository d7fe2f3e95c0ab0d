import { dbToGain } from './levels';
import { LevelTap } from './levelTap';

/**
 * What every input strip has after its source: gain (dB) -> meter tap -> mute. The strip connects
 * its source to `input` and routes `output` into the console.
 */
export class StripChain {
  readonly input: GainNode;
  readonly output: GainNode;
  /** Peak and RMS after the gain (before mute), measured in an AudioWorklet. */
  readonly meter: LevelTap;

  constructor(private readonly ctx: BaseAudioContext) {
    this.input = ctx.createGain();
    this.output = ctx.createGain();
    this.meter = new LevelTap(ctx, this.input);
    this.input.connect(this.output);
  }

  setGainDb(db: number): void {
    this.input.gain.setTargetAtTime(dbToGain(db), this.ctx.currentTime, 0.01);
  }

  /** Silences (or not) what leaves the strip; the meter keeps showing the input. */
  setSilent(silent: boolean): void {
    this.output.gain.setTargetAtTime(silent ? 0 : 1, this.ctx.currentTime, 0.005);
  }

  close(): void {
    this.meter.close();
  }
}
