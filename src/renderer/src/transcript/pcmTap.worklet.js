// AudioWorklet (runs on the audio rendering thread): program audio at the context's rate ->
// 16 kHz mono s16le, posted to the page in 100 ms chunks. Plain JS so Vite ships it as a
// same-origin asset (the renderer's CSP is script-src 'self').
class PcmTap extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / 16000;
    this.chunk = new Int16Array(1600);
    this.fill = 0;
    this.acc = 0;
    this.count = 0;
    this.phase = 0;
  }
  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    const ch0 = input[0];
    const ch1 = input[1];
    for (let i = 0; i < ch0.length; i++) {
      // Box filter over each output period, then decimate (the 48 kHz -> 16 kHz case averages 3 samples).
      this.acc += ch1 ? (ch0[i] + ch1[i]) / 2 : ch0[i];
      this.count++;
      this.phase += 1;
      if (this.phase >= this.ratio) {
        this.phase -= this.ratio;
        const v = Math.max(-1, Math.min(1, this.acc / this.count));
        this.acc = 0;
        this.count = 0;
        this.chunk[this.fill++] = v < 0 ? v * 32768 : v * 32767;
        if (this.fill === this.chunk.length) {
          this.port.postMessage(this.chunk.buffer, [this.chunk.buffer]);
          this.chunk = new Int16Array(1600);
          this.fill = 0;
        }
      }
    }
    return true;
  }
}
registerProcessor('pcm-tap', PcmTap);
