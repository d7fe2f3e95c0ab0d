import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Real speech for tests: espeak-ng says the text, sox makes it 48 kHz mono 16-bit with a pause
 * after it (Chromium's fake capture device loops the file, so the pause separates repeats).
 */
export function makeSpeechWav(dir: string, name: string, text: string, opts: { padSeconds?: number; normDb?: number } = {}): string {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}.wav`);
  if (existsSync(out)) return out;
  const raw = join(dir, `${name}.raw.wav`);
  execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', raw, text]);
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', out, 'norm', String(opts.normDb ?? -3), 'pad', '0', String(opts.padSeconds ?? 0.6)]);
  return out;
}

export interface Pcm {
  sampleRate: number;
  samples: Float32Array; // mono, -1..1
}

/** Reads a PCM16 WAV (as sox writes it); multichannel input is averaged to mono. */
export function readWav(file: string): Pcm {
  const buf = readFileSync(file);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${file} is not a WAV file`);
  let offset = 12;
  let channels = 1;
  let sampleRate = 48000;
  let bits = 16;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      channels = buf.readUInt16LE(body + 2);
      sampleRate = buf.readUInt32LE(body + 4);
      bits = buf.readUInt16LE(body + 14);
    } else if (id === 'data') {
      if (bits !== 16) throw new Error('only 16-bit PCM WAV is supported');
      const frames = Math.floor(Math.min(size, buf.length - body) / (2 * channels));
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += buf.readInt16LE(body + 2 * (i * channels + c));
        samples[i] = sum / channels / 32768;
      }
      return { sampleRate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${file} has no data chunk`);
}

/** RMS in consecutive windows (10 ms by default): the envelope Opus preserves. */
export function envelope(pcm: Pcm, windowMs = 10): number[] {
  const n = Math.round((pcm.sampleRate * windowMs) / 1000);
  const out: number[] = [];
  for (let i = 0; i + n <= pcm.samples.length; i += n) {
    let sum = 0;
    for (let j = i; j < i + n; j++) sum += pcm.samples[j]! ** 2;
    out.push(Math.sqrt(sum / n));
  }
  return out;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>, n = Math.min(a.length, b.length)): number {
  let sa = 0, sb = 0;
  for (let i = 0; i < n; i++) { sa += a[i]!; sb += b[i]!; }
  const ma = sa / n, mb = sb / n;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma, y = b[i]! - mb;
    num += x * y; da += x * x; db += y * y;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

/**
 * Best correlation of a received envelope against a looping reference (the fake microphone
 * repeats the file), over every lag: the received window may start anywhere in the loop.
 */
export function bestLoopCorrelation(received: number[], reference: number[]): { r: number; lag: number } {
  const period = reference.length;
  const tiled = Array.from({ length: period + received.length }, (_, i) => reference[i % period]!);
  let best = { r: -1, lag: 0 };
  for (let lag = 0; lag < period; lag++) {
    const r = pearson(received, tiled.slice(lag, lag + received.length));
    if (r > best.r) best = { r, lag };
  }
  return best;
}

export function rms(values: number[]): number {
  return Math.sqrt(values.reduce((s, v) => s + v * v, 0) / Math.max(1, values.length));
}

/**
 * Correlation that tolerates the receiver's clock: the jitter buffer stretches and shrinks
 * audio, and the fake microphone's loop point drifts, so one lag cannot align a long recording.
 * Each segment (2 s by default) finds its own best lag; the result is the median segment's r.
 */
export function segmentedLoopCorrelation(received: number[], reference: number[], segment = 200): number {
  const rs: number[] = [];
  for (let i = 0; i + segment <= received.length; i += segment) rs.push(bestLoopCorrelation(received.slice(i, i + segment), reference).r);
  if (rs.length === 0) return bestLoopCorrelation(received, reference).r;
  rs.sort((a, b) => a - b);
  return rs[Math.floor((rs.length - 1) / 2)]!;
}

/** A silent 48 kHz WAV: a microphone that hears nothing. */
export function makeSilenceWav(dir: string, seconds = 3): string {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'silence.wav');
  if (!existsSync(out)) execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', out, 'trim', '0', String(seconds)]);
  return out;
}
