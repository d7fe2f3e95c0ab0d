import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

/**
 * WAV, PCM 24-bit mono: the take's format. The 44-byte header carries the data size, which a
 * file written as the audio comes only knows at the end; the recorder rewrites it every second,
 * and `repairWav` recomputes it from the file's length after a crash.
 */
export const WAV_HEADER_BYTES = 44;
export const BYTES_PER_SAMPLE = 3;

export function wavHeader(sampleRate: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * BYTES_PER_SAMPLE, 28);
  h.writeUInt16LE(BYTES_PER_SAMPLE, 32);
  h.writeUInt16LE(8 * BYTES_PER_SAMPLE, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** Float samples (-1..1) to packed little-endian signed 24-bit. */
export function floatToS24(samples: Float32Array): Buffer {
  const out = Buffer.alloc(samples.length * BYTES_PER_SAMPLE);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i]!));
    out.writeIntLE(Math.round(v < 0 ? v * 8_388_608 : v * 8_388_607), i * BYTES_PER_SAMPLE, 3);
  }
  return out;
}

/** Packed s24le back to floats (export, tests). */
export function s24ToFloat(buf: Buffer): Float32Array {
  const n = Math.floor(buf.length / BYTES_PER_SAMPLE);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readIntLE(i * BYTES_PER_SAMPLE, 3) / 8_388_608;
  return out;
}

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bits: number;
  dataOffset: number;
  /** What the header claims. */
  dataBytes: number;
  /** What the file holds after the header. */
  fileDataBytes: number;
}

/** Reads the header of a WAV we wrote (fmt then data). Throws on anything else. */
export function readWavInfo(file: string): WavInfo {
  const fd = openSync(file, 'r');
  try {
    const h = Buffer.alloc(WAV_HEADER_BYTES);
    const n = readSync(fd, h, 0, WAV_HEADER_BYTES, 0);
    if (n < WAV_HEADER_BYTES || h.toString('ascii', 0, 4) !== 'RIFF' || h.toString('ascii', 8, 12) !== 'WAVE' || h.toString('ascii', 36, 40) !== 'data') {
      throw new Error(`${file} is not a take WAV`);
    }
    return {
      channels: h.readUInt16LE(22),
      sampleRate: h.readUInt32LE(24),
      bits: h.readUInt16LE(34),
      dataOffset: WAV_HEADER_BYTES,
      dataBytes: h.readUInt32LE(40),
      fileDataBytes: fstatSync(fd).size - WAV_HEADER_BYTES,
    };
  } finally {
    closeSync(fd);
  }
}

/** Rewrites the header of an open take file for `dataBytes` of samples. */
export function writeHeader(fd: number, sampleRate: number, dataBytes: number): void {
  writeSync(fd, wavHeader(sampleRate, dataBytes), 0, WAV_HEADER_BYTES, 0);
}
