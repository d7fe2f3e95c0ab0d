import { describe, expect, it } from 'vitest';
import { mjrTiming, SENDER_LATENCY_MS } from './stageTracks.js';

/** An .mjr (v2) as Janus writes it: header, then per packet `MEET` + ms since first write + length + RTP. */
function mjr(packets: { offMs: number; ts: number }[]): Buffer {
  const header = Buffer.from(JSON.stringify({ t: 'a', c: 'opus', s: 0, u: 0 }));
  const parts = [Buffer.from('MJR00002'), Buffer.alloc(2), header];
  parts[1]!.writeUInt16BE(header.length);
  for (const p of packets) {
    const rtp = Buffer.alloc(12 + 3);
    rtp[0] = 0x80;
    rtp[1] = 111;
    rtp.writeUInt32BE(p.ts >>> 0, 4);
    const h = Buffer.alloc(10);
    h.write('MEET', 0, 'ascii');
    h.writeUInt32BE(p.offMs, 4);
    h.writeUInt16BE(rtp.length, 8);
    parts.push(h, rtp);
  }
  return Buffer.concat(parts);
}

describe('mjrTiming: where a server recording belongs in time (issue 18)', () => {
  it('follows a sender whose clock runs 2 % slow, through network jitter, and undoes the sender latency', () => {
    // 20 s of 20 ms packets; the sender's RTP clock advances 960 per packet but packets leave every
    // 20.4 ms of real time; arrival adds 5 ms of transit plus up to 15 ms of jitter.
    const packets = Array.from({ length: 1000 }, (_, i) => ({ ts: 4_000_000_000 + i * 960, offMs: Math.round(i * 20.4 + 5 + ((i * 7919) % 16)) }));
    const timing = mjrTiming(mjr(packets), 1_000_000);
    expect(timing.length).toBeGreaterThan(15);
    for (const [sample, ms] of timing) {
      const i = sample / 960;
      // Captured at i * 20.4 ms; the map says that (give or take the ms rounding), less the sender's latency.
      expect(Math.abs(ms - (1_000_000 + i * 20.4 + 5 - SENDER_LATENCY_MS))).toBeLessThanOrEqual(3);
    }
    // The RTP timestamp wrapped (4e9 + 960 000 > 2^32): the samples still count up.
    expect(timing.at(-1)![0]).toBe(999 * 960);
  });

  it('gives nothing for a file that is not an .mjr v2', () => {
    expect(mjrTiming(Buffer.from('RIFF0000WAVE'), 0)).toEqual([]);
  });
});
