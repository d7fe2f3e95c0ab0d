import { describe, expect, it } from 'vitest';
import { CaptionSegment } from './transcript.js';
import { parseCues, toJson, toSrt, toTxt, toVtt } from './transcriptFormat.js';

const segs: CaptionSegment[] = [
  { id: 's2', startMs: 3_723_004, endMs: 3_725_500, text: 'second --> line', final: true, speakerId: null, speakerName: 'Bo' },
  { id: 's1', startMs: 0, endMs: 1250, text: 'hello  world', final: true, speakerId: 'a_abcdef', speakerName: 'Ann' },
  { id: 's3', startMs: 4_000_000, endMs: 4_000_100, text: 'partial', final: false, speakerId: null, speakerName: null },
];

describe('transcript formats', () => {
  it('SRT and VTT parse back to the same final segments in order', () => {
    for (const text of [toSrt(segs), toVtt(segs)]) {
      expect(parseCues(text)).toEqual([
        { startMs: 0, endMs: 1250, text: 'Ann: hello world' },
        { startMs: 3_723_004, endMs: 3_725_500, text: 'Bo: second -> line' },
      ]);
    }
    expect(toSrt(segs)).toContain('01:02:03,004 --> 01:02:05,500');
    expect(toVtt(segs).startsWith('WEBVTT\n\ns1\n00:00:00.000 --> 00:00:01.250')).toBe(true);
  });
  it('TXT and JSON carry the finals only', () => {
    expect(toTxt(segs)).toBe('[00:00:00] Ann: hello world\n[01:02:03] Bo: second -> line\n');
    expect(JSON.parse(toJson(segs)).segments.map((s: CaptionSegment) => s.id)).toEqual(['s1', 's2']);
  });
  it('the contract refuses segments that end before they start', () => {
    expect(CaptionSegment.safeParse({ ...segs[1], endMs: -1 }).success).toBe(false);
    expect(CaptionSegment.safeParse({ ...segs[1], startMs: 2000 }).success).toBe(false);
    expect(CaptionSegment.safeParse(segs[1]).success).toBe(true);
  });
});
