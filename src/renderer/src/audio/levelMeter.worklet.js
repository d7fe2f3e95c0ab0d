// Level meter, off the main thread: peak and RMS of what passes through, reported ~30 times a
// second; with `windowS` set it also reports the mean square over that sliding window as
// loudness (ITU-R BS.1770 short-term when the input is K-weighted and windowS = 3).
// The node passes its input through unchanged (it is pulled through a muted gain).
class LevelMeter extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = (options && options.processorOptions) || {};
    this.reportFrames = o.reportFrames || 1536; // 12 render quanta = 32 ms at 48 kHz
    this.windowBlocks = o.windowS ? Math.max(1, Math.round((o.windowS * sampleRate) / this.reportFrames)) : 0;
    this.blocks = [];
    this.blockSum = 0;
    this.peak = 0;
    this.sum = 0;
    this.frames = 0;
  }

  process(inputs, outputs) {
    const input = inputs[0];
    const out = outputs[0];
    if (input && input.length > 0) {
      const n = input[0].length;
      for (let c = 0; c < input.length; c++) {
        const x = input[c];
        let peak = this.peak;
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const v = x[i];
          const a = v < 0 ? -v : v;
          if (a > peak) peak = a;
          sum += v * v;
        }
        this.peak = peak;
        this.sum += sum / input.length;
        if (out && out[c]) out[c].set(x);
      }
      this.frames += n;
    } else this.frames += 128;
    if (this.frames >= this.reportFrames) {
      const ms = this.sum / this.frames;
      const msg = { peak: this.peak, rms: Math.sqrt(ms) };
      if (this.windowBlocks) {
        this.blocks.push(ms);
        this.blockSum += ms;
        if (this.blocks.length > this.windowBlocks) this.blockSum -= this.blocks.shift();
        msg.loudnessMs = Math.max(0, this.blockSum / this.blocks.length);
      }
      this.port.postMessage(msg);
      this.peak = 0;
      this.sum = 0;
      this.frames = 0;
    }
    return true;
  }
}

registerProcessor('level-meter', LevelMeter);
