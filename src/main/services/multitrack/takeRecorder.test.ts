import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TakeRecorder } from './takeRecorder.js';
import { readWavInfo, s24ToFloat, WAV_HEADER_BYTES } from './wav.js';
import type { DiskInfo, TakeInfo } from '../../../shared/multitrack.js';

const f32 = (values: number[]): string => Buffer.from(new Float32Array(values).buffer).toString('base64');
const tracks = (rate = 48000, at = 0) => (['mic', 'program', 'stage'] as const).map((kind) => ({ kind, sampleRate: rate, startedAt: at }));
const feed = (r: TakeRecorder, takeId: string, mic: number[], program: number[], stage: number[]) =>
  [r.takeAudio({ takeId, track: 'mic', pcm: f32(mic) }), r.takeAudio({ takeId, track: 'program', pcm: f32(program) }), r.takeAudio({ takeId, track: 'stage', pcm: f32(stage) })];

function recorder(dir: string) {
  const takes: TakeInfo[] = [];
  const disks: DiskInfo[] = [];
  const r = new TakeRecorder({ dataDir: dir, events: { onTake: (t) => takes.push(t), onDisk: (d) => disks.push(d) } });
  return { r, takes, disks };
}

describe('TakeRecorder', () => {
  it('writes three aligned 24-bit WAVs as the audio comes, with the samples it was sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'take-'));
    const { r } = recorder(dir);
    expect(r.getTakes().disk.minutesLeft).toBeGreaterThan(0);
    const take = await r.startTake({ spaceId: null, tracks: tracks(48000, 1000), upload: false });
    const mic = Array.from({ length: 480 }, (_, i) => Math.sin(i / 10) * 0.5);
    expect(feed(r, take.id, mic, mic.map((x) => x / 2), new Array(480).fill(0))).toEqual([{ accepted: true }, { accepted: true }, { accepted: true }]);
    // While recording, the file already holds the samples (the header catches up every second).
    const micFile = take.tracks.find((t) => t.kind === 'mic')!.file;
    expect(statSync(micFile).size).toBe(WAV_HEADER_BYTES + 480 * 3);
    const done = r.stopTake({ takeId: take.id });
    expect(done.status).toBe('stopped');
    expect(done.durationMs).toBe(10);
    const info = readWavInfo(micFile);
    expect(info).toMatchObject({ sampleRate: 48000, channels: 1, bits: 24, dataBytes: 480 * 3, fileDataBytes: 480 * 3 });
    const back = s24ToFloat(readFileSync(micFile).subarray(WAV_HEADER_BYTES));
    expect(Math.max(...mic.map((x, i) => Math.abs(x - back[i]!)))).toBeLessThan(1e-6);
  });

  it('refuses audio of the wrong length and changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'take-'));
    const { r } = recorder(dir);
    const take = await r.startTake({ spaceId: null, tracks: tracks(), upload: false });
    expect(() => r.takeAudio({ takeId: take.id, track: 'mic', pcm: Buffer.from([1, 2, 3, 4, 5, 6]).toString('base64') })).toThrow(/whole float32 samples/);
    expect(statSync(take.tracks[0]!.file).size).toBe(WAV_HEADER_BYTES);
    await expect(r.startTake({ spaceId: null, tracks: tracks(), upload: false })).rejects.toThrow(/already recording/);
    r.stopTake({ takeId: take.id });
  });

  it('stops the take by itself when the console stops sending audio (renderer crashed), keeping what it had', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'take-'));
    let now = 0;
    const takes: TakeInfo[] = [];
    const r = new TakeRecorder({ dataDir: dir, now: () => now, events: { onTake: (t) => takes.push(t), onDisk: () => undefined } });
    const take = await r.startTake({ spaceId: null, tracks: tracks(), upload: false });
    feed(r, take.id, new Array(4800).fill(0.1), new Array(4800).fill(0), new Array(4800).fill(0));
    now = 6000; // no audio for 6 s
    await new Promise((resolve) => setTimeout(resolve, 400));
    const last = takes.at(-1)!;
    expect(last.status).toBe('stopped');
    expect(last.message).toMatch(/stopped sending audio/);
    expect(last.durationMs).toBe(100);
    expect(readWavInfo(take.tracks[0]!.file).dataBytes).toBe(4800 * 3);
  });

  it('finds an unfinished take at the next start, cuts every track to its whole samples and fixes the headers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'take-'));
    const { r } = recorder(dir);
    const take = await r.startTake({ spaceId: null, tracks: tracks(), upload: false });
    feed(r, take.id, new Array(4800).fill(0.25), new Array(4800).fill(0), new Array(4800).fill(0));
    r.stopTake({ takeId: take.id });
    // What a crash leaves: the manifest still says recording, stale headers, half a sample more on one track.
    const manifest = join(dir, 'takes', take.id, 'take.json');
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as TakeInfo;
    writeFileSync(manifest, JSON.stringify({ ...m, status: 'recording' }));
    const mic = take.tracks.find((t) => t.kind === 'mic')!.file;
    const fd = readFileSync(mic);
    fd.writeUInt32LE(0, 40);
    writeFileSync(mic, fd);
    appendFileSync(mic, Buffer.from([1, 2]));
    const again = recorder(dir).r;
    const found = again.getTakes().takes.find((t) => t.id === take.id)!;
    expect(found.status).toBe('recovered');
    expect(found.durationMs).toBe(100);
    expect(found.message).toMatch(/recovered/);
    for (const t of found.tracks) expect(readWavInfo(t.file)).toMatchObject({ dataBytes: 4800 * 3, fileDataBytes: 4800 * 3 });
  });
});
