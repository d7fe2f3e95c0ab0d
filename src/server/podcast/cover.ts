import { deflateSync } from 'node:zlib';
import { createHash } from 'node:crypto';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A host's cover art when they have none: a 1400x1400 PNG (the smallest square Apple Podcasts
 * accepts), a diagonal gradient in two colours derived from the handle, with concentric rings
 * (the "on air" sign). Made in memory with zlib; no image library needed.
 */
export function coverPng(handle: string, size = 1400): Buffer {
  const h = createHash('sha256').update(handle).digest();
  const a = [h[0]!, h[1]!, h[2]!].map((v) => 40 + (v % 120));
  const b = [h[3]!, h[4]!, h[5]!].map((v) => 120 + (v % 135));
  const raw = Buffer.alloc((size * 3 + 1) * size);
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    const row = y * (size * 3 + 1);
    raw[row] = 0;
    for (let x = 0; x < size; x++) {
      const t = (x + y) / (2 * size);
      const r = Math.hypot(x - c, y - c) / c;
      const ring = r < 0.62 && Math.floor(r * 10) % 2 === 0 && r > 0.12 ? 0.35 : 0;
      for (let k = 0; k < 3; k++) raw[row + 1 + x * 3 + k] = Math.min(255, Math.round(a[k]! * (1 - t) + b[k]! * t + ring * 255 * (1 - r)));
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 6 })), chunk('IEND', Buffer.alloc(0))]);
}
