import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRunSegments } from './recorder.js';

describe("reading a recorder run's playlist", () => {
  it('lists finished segments with durations; skips names it does not own and files that are gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-'));
    writeFileSync(join(dir, 'r3-00000.ts'), 'x');
    writeFileSync(join(dir, 'r3-00001.ts'), 'x');
    writeFileSync(
      join(dir, 'r3.m3u8'),
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n\n#EXTINF:0.98133331537246704,\nr3-00000.ts\n#EXTINF:1.0,\n../secret.ts\n#EXTINF:0.5,\nr3-00001.ts\n#EXTINF:1,\nr3-00002.ts\n',
    );
    const segs = readRunSegments(dir, 3);
    expect(segs.map((s) => [s.file, s.durationMs])).toEqual([
      ['r3-00000.ts', 981],
      ['r3-00001.ts', 500],
    ]);
    expect(segs[0]!.closedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(readRunSegments(dir, 4)).toEqual([]);
  });
});
