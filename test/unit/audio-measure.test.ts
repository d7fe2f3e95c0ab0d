import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bestLoopCorrelation, envelope, makeSpeechWav, readWav, segmentedLoopCorrelation } from '../support/audio.js';

/** The measure the media tests rely on must tell the host's words from other sound. */
describe('envelope correlation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'measure-'));
  const host = envelope(readWav(makeSpeechWav(dir, 'host', 'Welcome to the show. Today we talk about live audio, microphones and the people who love them.')));
  const other = envelope(readWav(makeSpeechWav(dir, 'other', 'Quarterly revenue figures were discussed at length by the finance committee yesterday afternoon.')));

  it('a delayed, looped copy of the speech correlates fully', () => {
    const received = Array.from({ length: 600 }, (_, i) => host[(i + 137) % host.length]! * 0.5);
    expect(bestLoopCorrelation(received, host).r).toBeGreaterThan(0.99);
    expect(segmentedLoopCorrelation(received, host)).toBeGreaterThan(0.99);
  });

  it('different speech and noise do not reach the 0.8 bar', () => {
    const received = Array.from({ length: 600 }, (_, i) => other[i % other.length]!);
    expect(segmentedLoopCorrelation(received, host)).toBeLessThan(0.8);
    let seed = 7;
    const noise = Array.from({ length: 600 }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 0.1);
    expect(segmentedLoopCorrelation(noise, host)).toBeLessThan(0.5);
  });
});
