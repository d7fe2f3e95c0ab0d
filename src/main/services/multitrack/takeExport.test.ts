import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TakeInfo } from '../../../shared/multitrack.js';
import type { CaptionSegment } from '../../../shared/transcript.js';
import { exportTake, localWavSource } from './takeExport.js';
import { floatToS24, readWavInfo, s24ToFloat, WAV_HEADER_BYTES, wavHeader } from './wav.js';

/** A 24-bit mono WAV of `ms` at 48 kHz, silent but for a click at `clickMs`. */
function wav(file: string, ms: number, clickMs: number): string {
  const x = new Float32Array(ms * 48);
  if (clickMs >= 0) for (let i = 0; i < 48; i++) x[clickMs * 48 + i] = 0.9;
  const pcm = floatToS24(x);
  writeFileSync(file, Buffer.concat([wavHeader(48_000, pcm.length), pcm]));
  return file;
}
const clickAt = (file: string): number => s24ToFloat(readFileSync(file).subarray(WAV_HEADER_BYTES)).findIndex((v) => v > 0.5) / 48;
const seg = (id: string, startMs: number, endMs: number, text = 'words'): CaptionSegment => ({ id: id as CaptionSegment['id'], startMs, endMs, text, final: true, speakerId: null, speakerName: null });

describe('exportTake: one clock for every track (issue 18)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'take-export-'));
  // A 3 s take whose mic starts at 10 000 ms (wall = server clock here); a click 1 s in.
  const take: TakeInfo = {
    id: 't_aaaaaaaaaaaa',
    spaceId: null,
    startedAt: 10_000,
    serverOffsetMs: 0,
    sampleRate: 48_000,
    status: 'stopped',
    durationMs: 3000,
    message: null,
    // The console tracks start 40 ms after the mic and run 200 ms longer; their click is at 960 ms.
    tracks: [
      { kind: 'mic', file: wav(join(dir, 'mic.wav'), 3000, 1000), bytes: WAV_HEADER_BYTES + 3000 * 48 * 3, sampleRate: 48_000, startedAt: 10_000 },
      { kind: 'program', file: wav(join(dir, 'program.wav'), 3200, 960), bytes: 0, sampleRate: 48_000, startedAt: 10_040 },
      { kind: 'stage', file: wav(join(dir, 'stage.wav'), 3200, -1), bytes: 0, sampleRate: 48_000, startedAt: 10_040 },
    ],
    upload: null,
  };

  it('places, pads and cuts every WAV to the take: the click lands at the same ms, all files equally long', async () => {
    // A server track that began 500 ms before the take and ran 2 s past it; its click is 1.5 s in,
    // and its own clock runs 1 % slow (its timing map says where each second belongs).
    const server = wav(join(dir, 'guest.wav'), 5500, 1500);
    const guest = { ...localWavSource(server, 'Guest', 'server-stage', 9500), timing: [[0, 9500], [48_000, 10_510], [96_000, 11_520], [144_000, 12_530]] as [number, number][] };
    const out = await exportTake({ take, outDir: join(dir, 'out'), selfName: 'Host', markers: [], transcript: { segments: [], offsetMs: 0 }, others: [guest] });
    const files = ['Host.wav', 'Guest.wav', 'program-mix.wav', 'stage-return.wav'];
    for (const f of files) expect(out.files).toContain(f);
    for (const f of files) expect(readWavInfo(join(dir, 'out', f)).dataBytes).toBe(3000 * 48 * 3);
    expect(clickAt(join(dir, 'out', 'Host.wav'))).toBe(1000);
    expect(clickAt(join(dir, 'out', 'program-mix.wav'))).toBe(1000);
    // 1.5 s of the guest's clock is 1.515 s of real time from 9.5 s: 11 015 ms, 1015 ms into the take.
    expect(Math.abs(clickAt(join(dir, 'out', 'Guest.wav')) - 1015)).toBeLessThanOrEqual(1);
  });

  it('keeps only what was said during the take: no zero-length cues from before it, and the words at Stop', async () => {
    const segments = [seg('s1', 0, 800), seg('s2', 900, 1500), seg('s3', 2400, 4000), seg('s4', 4800, 5600), seg('s5', 5100, 5300)];
    // The transcript's zero fell 2 s before the take: s1 and s2 ended before it started.
    await exportTake({ take, outDir: join(dir, 'out2'), selfName: 'Host', markers: [], transcript: { segments, offsetMs: -2000 }, others: [] });
    const srt = readFileSync(join(dir, 'out2', 'transcript.srt'), 'utf8');
    expect(srt).not.toContain('00:00:00,000 --> 00:00:00,000');
    expect([...srt.matchAll(/-->/g)]).toHaveLength(2);
    expect(srt).toContain('00:00:00,400 --> 00:00:02,000');
    // s4 was still going when the take stopped: cut at its end. s5 began after it.
    expect(srt).toContain('00:00:02,800 --> 00:00:03,000');
    expect(srt).not.toContain('00:00:03,100');
  });
});
