import { describe, expect, it } from 'vitest';
import { livePlaylist, segmentsCovering, vodPlaylist, type PlaylistSegment } from './playlist.js';

const seg = (seq: number, run: number, positionMs: number, durationMs = 980): PlaylistSegment => ({
  seq,
  run,
  file: `r${run}-${String(seq).padStart(5, '0')}.ts`,
  durationMs,
  positionMs,
  startedAt: Date.UTC(2026, 0, 1, 12, 0, 0) + positionMs,
});
// Two runs of the recorder: a gap (crash) between seq 2 and 3.
const all = [seg(0, 1, 0), seg(1, 1, 980), seg(2, 1, 1960), seg(3, 2, 2940), seg(4, 2, 3920)];

describe('HLS playlists of a recording', () => {
  it('live: a sliding window with media sequence, discontinuity sequence and program date-times', () => {
    const text = livePlaylist(all.slice(2), { targetS: 1, discontinuitySequence: 0, ended: false });
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:2');
    expect(text).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:0');
    expect(text.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
    expect(text).toContain('#EXT-X-PROGRAM-DATE-TIME:2026-01-01T12:00:01.960Z');
    expect(text).not.toContain('#EXT-X-ENDLIST');
    expect(text.trim().split('\n').filter((l) => l.endsWith('.ts'))).toEqual(['r1-00002.ts', 'r2-00003.ts', 'r2-00004.ts']);
    const later = livePlaylist(all.slice(3), { targetS: 1, discontinuitySequence: 1, ended: true });
    expect(later).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:1');
    expect(later).toContain('#EXT-X-ENDLIST');
  });

  it('target duration covers the longest segment (RFC 8216: EXTINF rounded <= target)', () => {
    expect(livePlaylist([seg(0, 1, 0, 2300)], { targetS: 1, discontinuitySequence: 0, ended: false })).toContain('#EXT-X-TARGETDURATION:3');
  });

  it('replay: every segment, VOD, closed; a clip starts inside its first segment', () => {
    const text = vodPlaylist(all, { targetS: 1 });
    expect(text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(text.trim().endsWith('#EXT-X-ENDLIST')).toBe(true);
    expect(text.match(/\.ts$/gm)).toHaveLength(5);
    const covering = segmentsCovering(all, 1500, 3000);
    expect(covering.map((s) => s.seq)).toEqual([1, 2, 3]);
    const clip = vodPlaylist(covering, { targetS: 1, uriPrefix: '/s/abc/hls/', startOffsetMs: 1500 - covering[0]!.positionMs });
    expect(clip).toContain('#EXT-X-START:TIME-OFFSET=0.520,PRECISE=YES');
    expect(clip).toContain('/s/abc/hls/r1-00001.ts');
  });
});
