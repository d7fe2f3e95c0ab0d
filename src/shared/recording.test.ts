import { describe, expect, it } from 'vitest';
import { positionOf } from './recording.js';

describe('placing a wall time on the recording', () => {
  // Two runs: 0-10 s recorded from t=1000, a 5 s gap, then 10-20 s recorded from t=16000.
  const timeline = { spans: [{ positionMs: 0, durationMs: 10_000, at: 1000 }, { positionMs: 10_000, durationMs: 10_000, at: 16_000 }] };
  it('maps times inside a span, snaps a gap to where audio resumes, clamps before and after', () => {
    expect(positionOf(timeline, 3500)).toBe(2500);
    expect(positionOf(timeline, 13_000)).toBe(10_000);
    expect(positionOf(timeline, 17_250)).toBe(11_250);
    expect(positionOf(timeline, 0)).toBe(0);
    expect(positionOf(timeline, 99_000)).toBe(20_000);
    expect(positionOf({ spans: [] }, 5)).toBe(0);
  });
});
