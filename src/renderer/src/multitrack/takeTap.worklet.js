// AudioWorklet (audio rendering thread): the take's three tracks, sample-aligned because they are
// the three inputs of one node: 0 = the microphone before any processing, 1 = the program,
// 2 = the stage return. Posts 200 ms of float32 per track, and first the frame it started at.
class TakeTap extends AudioWorkletProcessor {
  constructor() {
    super();
    this.size = 128 * Math.round(sampleRate / 5 / 128); // ~200 ms, whole render quanta
    this.fill = 0;
    this.started = false;
    this.bufs = [new Float32Array(this.size), new Float32Array(this.size), new Float32Array(this.size)];
    this.port.onmessage = (e) => {
      if (e.data === 'flush') this.flush();
    };
  }
  flush() {
    if (this.fill === 0) return;
    const out = this.bufs.map((b) => b.slice(0, this.fill));
    this.port.postMessage({ frames: this.fill, tracks: out }, out.map((b) => b.buffer));
    this.bufs = [new Float32Array(this.size), new Float32Array(this.size), new Float32Array(this.size)];
    this.fill = 0;
  }
  process(inputs) {
    if (!this.started) {
      this.started = true;
      this.port.postMessage({ startFrame: currentFrame });
    }
    const n = 128;
    for (let k = 0; k < 3; k++) {
      const ch = inputs[k] && inputs[k][0];
      const buf = this.bufs[k];
      if (ch) buf.set(ch.subarray(0, Math.min(n, this.size - this.fill)), this.fill);
      // No connection on this input (no stage yet): silence, so every track keeps the same length.
    }
    this.fill += n;
    if (this.fill >= this.size) this.flush();
    return true;
  }
}
registerProcessor('take-tap', TakeTap);
