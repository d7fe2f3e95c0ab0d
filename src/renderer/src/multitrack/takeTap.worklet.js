// AudioWorklet (audio rendering thread): the take's console tracks, sample-aligned because they
// are the inputs of one node: 0 = the program, 1 = the stage return. Posts ~200 ms of float32 per
// track with the context frame of its first sample, and first the frame it started at. (The microphone is taken from its track directly, at
// the device's rate: see takeTap.ts.)
class TakeTap extends AudioWorkletProcessor {
  constructor() {
    super();
    this.size = 128 * Math.round(sampleRate / 5 / 128);
    this.fill = 0;
    this.started = false;
    this.bufs = [new Float32Array(this.size), new Float32Array(this.size)];
    this.port.onmessage = (e) => {
      if (e.data === 'flush') this.flush();
    };
  }
  flush() {
    if (this.fill === 0) return;
    const out = this.bufs.map((b) => b.slice(0, this.fill));
    this.port.postMessage({ frames: this.fill, startFrame: this.chunkStart, tracks: out }, out.map((b) => b.buffer));
    this.bufs = [new Float32Array(this.size), new Float32Array(this.size)];
    this.fill = 0;
  }
  process(inputs) {
    if (!this.started) {
      this.started = true;
      this.port.postMessage({ first: currentFrame });
    }
    // The context frame of each chunk's first sample: the page turns it into wall-clock time.
    if (this.fill === 0) this.chunkStart = currentFrame;
    for (let k = 0; k < 2; k++) {
      const ch = inputs[k] && inputs[k][0];
      // No connection on this input (no stage yet): silence, so the tracks keep the same length.
      if (ch) this.bufs[k].set(ch, this.fill);
    }
    this.fill += 128;
    if (this.fill >= this.size) this.flush();
    return true;
  }
}
registerProcessor('take-tap', TakeTap);
