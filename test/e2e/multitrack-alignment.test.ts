import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/app.js';
import { makeSpeechWav, readWav, type Pcm } from '../support/audio.js';
import { launchChromium } from '../support/browser.js';
import { startTestPulse, type TestPulse } from '../support/pulse.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { spawnStudio } from '../support/studioChild.js';
import { createSpaceInStudio, registerInStudio } from '../support/studioPage.js';

/**
 * Issue 18, items 1-3, as a podcaster meets them: two people on stage (the host in the Studio, a
 * guest, a co-host in a Studio of their own), both in one room (their microphones are the two channels of one
 * PulseAudio sink, so a clap reaches both at the same instant). The host records a take and
 * exports it; then a second take, during which the whole Studio is SIGKILLed; it starts again and
 * the recovered take is exported too. Judged on the exported files: the clap lands at the same
 * place (within 20 ms) in the host's own track and the program mix, the guest's track (the
 * server's per-speaker recording) is this take's (see SAME_TAKE_MS), every file is as long as the take (within 50 ms), the guest's
 * track is named after the guest, the transcript has no empty cues from before the take and keeps
 * the words still being said at Stop, and no temporary copy stays in the Studio's data folder.
 */
interface ManifestTrack {
  file: string;
  kind: string;
  name: string;
  origin: string;
  offsetMs: number;
}

const ALIGN_MS = 20;
const SPREAD_MS = 50;
/**
 * The guest's track here is the server's recording of the guest (the guest records nothing of
 * their own): placed by packet arrival less the host's own send-path latency, measured on the take.
 * The guest's capture delay is the guest Studio's and cannot be seen from the host; on this 2-core
 * machine it wanders with load: that track landed -20 to +10 ms off on a quiet machine, 20-140 ms
 * off under load (docs/benchmarks.md; measured by `npm run bench -- multitrack`, not asserted
 * here, since the host cannot know it). What this test does assert
 * for it is what the old code broke: the guest's track of this take, on this take's zero (the old
 * export put the earlier take's tracks 23-28 s off).
 */
const SAME_TAKE_MS = 250;

describe('multitrack: every exported track on one clock (normal and recovered take)', () => {
  let pulse: TestPulse;
  let server: RunningServer;
  const browsers: Browser[] = [];
  const children: ChildProcess[] = [];
  let host: Page;
  let guest: Page;
  let dir: string;
  let dataDir: string;
  let scriptWav: string;
  let spaceId = '';
  let cStartMs = 0;
  let guestStudio: Awaited<ReturnType<typeof startTestStudio>>;

  beforeAll(async () => {
    requireNetns();
    dir = tempDir('mt-align');
    dataDir = join(dir, 'studio');
    const a = makeSpeechWav(dir, 'host', 'Welcome back to the show. Today we talk about microphones and rooms.', { padSeconds: 0, normDb: -6 });
    const b = makeSpeechWav(dir, 'guest', 'Thank you for having me. I record in a small room full of books.', { padSeconds: 0, normDb: -6 });
    const samples = (f: string): number => Number(execFileSync('soxi', ['-s', f], { encoding: 'utf8' }));
    const silence = (name: string, n: number): string => {
      const f = join(dir, `${name}.wav`);
      execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', f, 'trim', '0', `${n}s`]);
      return f;
    };
    const clap = join(dir, 'clap.wav');
    execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', clap, 'synth', '0.004', 'square', '1000', 'vol', '0.95']);
    const c = makeSpeechWav(dir, 'guest-more', 'And there is one more thing about those books: they absorb the echo better than any foam panel I ever bought.', { padSeconds: 0, normDb: -6 });
    const gap = silence('gap', 36_000);
    // Left (host): clap, A, silence while B speaks, clap, silence. Right (guest): clap, silence
    // while A speaks, B, clap, then C (the take stops in the middle of C).
    const left = join(dir, 'left.wav');
    const right = join(dir, 'right.wav');
    execFileSync('sox', [clap, gap, a, silence('during-b', samples(b) + 24_000), gap, clap, gap, silence('during-c', samples(c)), gap, left]);
    execFileSync('sox', [clap, gap, silence('during-a', samples(a) + 24_000), b, gap, clap, gap, c, gap, right]);
    // Where C starts in the script, ms.
    cStartMs = ((samples(clap) * 2 + 36_000 * 3 + samples(a) + 24_000 + samples(b)) * 1000) / 48_000;
    scriptWav = join(dir, 'script.wav');
    execFileSync('sox', ['-M', left, right, scriptWav]);

    pulse = await startTestPulse();
    await pulse.pactl('load-module', 'module-null-sink', 'sink_name=room', 'rate=48000', 'channels=2', 'channel_map=front-left,front-right', 'sink_properties=device.description=Room');
    for (const [name, ch, desc] of [['host_mic', 'front-left', 'HostMic'], ['guest_mic', 'front-right', 'GuestMic']] as const) {
      await pulse.pactl('load-module', 'module-remap-source', `source_name=${name}`, 'master=room.monitor', `master_channel_map=${ch}`, 'channel_map=mono', 'channels=1', `source_properties=device.description=${desc}`);
    }

    server = await startTestServer({ janusWsPort: 8207, host: '10.99.0.1', dataDir: tempDir('mt-align-server') });
    const studio = await spawnStudio({ port: 5871, dataDir, serverUrl: server.url });
    children.push(studio.child);
    guestStudio = await startTestStudio(server.url);
    const [h, g] = await Promise.all([launchChromium({ env: pulse.env }), launchChromium({ env: pulse.env })]);
    browsers.push(h, g);
    host = await (await h.newContext({ permissions: ['microphone'] })).newPage();
    guest = await (await g.newContext({ permissions: ['microphone'] })).newPage();
    await host.goto(studio.url);
    await guest.goto(guestStudio.url);
  });
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close().catch(() => undefined)));
    for (const c of children) c.kill('SIGKILL');
    await guestStudio?.close();
    await server?.close();
    await pulse?.stop();
  });

  it('the host goes live with the guest on stage', async () => {
    await registerInStudio(host, 'align_host', 'Host Hana', 20_000);
    await host.getByRole('region', { name: 'Input strip' }).getByRole('button', { name: 'Input settings' }).click();
    await host.getByRole('dialog', { name: 'Input settings' }).getByLabel('Microphone').selectOption({ label: 'HostMic' });
    await host.getByRole('dialog', { name: 'Input settings' }).getByRole('button', { name: 'Close' }).click();
    const link = await createSpaceInStudio(host, 'Rooms and microphones');
    spaceId = /\/s\/([a-z0-9]{10})/.exec(link)![1]!;
    await host.getByRole('button', { name: 'Go live' }).click();
    await expect.poll(() => host.getByTestId('space-state').textContent()).toBe('live');
    await registerInStudio(guest, 'align_guest', 'Guest Gina', 20_000);
    await guest.getByRole('region', { name: 'Input strip' }).getByRole('button', { name: 'Input settings' }).click();
    await guest.getByRole('dialog', { name: 'Input settings' }).getByLabel('Microphone').selectOption({ label: 'GuestMic' });
    await guest.getByRole('dialog', { name: 'Input settings' }).getByRole('button', { name: 'Close' }).click();
    await guest.getByLabel('Join as co-host or producer (link or id)').fill(link);
    await guest.getByRole('button', { name: 'Join Space' }).click();
    await host.locator('li', { hasText: 'Guest Gina' }).getByRole('button', { name: 'Invite to speak' }).click();
    await guest.getByRole('button', { name: 'Accept' }).click();
    await host.locator('li', { hasText: 'Guest Gina' }).getByRole('button', { name: 'Make co-host' }).click();
    await expect.poll(() => guest.getByTestId('my-role').textContent()).toContain('co-host');
    await guest.getByRole('button', { name: 'Join the stage' }).click();
    await expect.poll(() => guest.getByText(/^Stage: connected/).count(), { timeout: 20_000 }).toBe(1);
    // Speech before the take: the transcript has segments that end before the take starts.
    await expect.poll(() => host.getByTestId('transcript-status').getAttribute('data-state'), { timeout: 20_000 }).toBe('running');
    await play(scriptWav);
    await new Promise((r) => setTimeout(r, 1500));
  });

  it('a take: the clap lands within 20 ms in the host track and the program mix, the guest track is this take; all as long as the take', async () => {
    await host.getByRole('button', { name: 'Record take' }).click();
    // The server's recordings of the stage begin a moment after the take (when they are asked for).
    await expect.poll(() => host.getByTestId('take-elapsed').textContent(), { timeout: 15_000 }).toMatch(/Recording 0:0[2-9]/);
    // Stop while the guest is still talking: those words belong to the take.
    const playing = play(scriptWav);
    await new Promise((r) => setTimeout(r, cStartMs + 4000));
    await host.getByRole('button', { name: 'Stop take' }).click();
    await playing;
    const row = host.locator('li[data-status="stopped"]').first();
    await row.getByRole('button', { name: 'Export' }).click();
    const folder = await exportedFolder(row);
    const { manifest, voices } = readExport(folder);
    expect(voices.map((v) => v.name).sort()).toEqual(['Guest Gina', 'Host Hana']);
    // The transcript: no zero-length cues from before the take; the words at Stop are kept.
    const srt = readFileSync(join(folder, 'transcript.srt'), 'utf8');
    console.info(`take transcript:\n${srt}`);
    expect(srt).not.toMatch(/(\d\d:\d\d:\d\d,\d{3}) --> \1/);
    const cues = [...srt.matchAll(/(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})/g)].map((m) => ({
      start: ms(m.slice(1, 5)),
      end: ms(m.slice(5, 9)),
    }));
    const takeMs = durationMs(join(folder, 'Host Hana.wav'));
    expect(cues.length).toBeGreaterThan(0);
    // The speech still going at Stop (the guest's last sentence, under way for ~3 s in the
    // program) is a cue that reaches the last seconds of the take.
    expect(Math.max(...cues.map((c) => c.end))).toBeGreaterThan(takeMs - 2500);
    for (const c of cues) expect(c.end).toBeLessThanOrEqual(takeMs + 1000);
    // No temporary copy of a server track stays in the Studio's data folder.
    expect(leftovers(dataDir)).toEqual([]);
    checkAlignment(folder, manifest, 'take');
  });

  it('a take recovered after the Studio is killed 5 s in: its own tracks, named by speaker, on its own zero', async () => {
    await host.getByRole('button', { name: 'Record take' }).click();
    await expect.poll(() => host.getByTestId('take-elapsed').textContent(), { timeout: 15_000 }).toMatch(/Recording 0:0[2-9]/);
    const playing = play(scriptWav);
    await expect.poll(() => host.getByTestId('take-elapsed').textContent(), { timeout: 15_000 }).toMatch(/Recording 0:0[7-9]/);
    await new Promise((r) => setTimeout(r, 1000));
    const first = children[0]!;
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    await playing;
    const again = await spawnStudio({ port: 5872, dataDir, serverUrl: server.url });
    children.push(again.child);
    await host.goto(again.url);
    await host.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 20_000 });
    const row = host.locator('li[data-status="recovered"]').first();
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/recovered after the Studio stopped unexpectedly/);
    await row.getByRole('button', { name: 'Export' }).click();
    const folder = await exportedFolder(row);
    const { manifest, voices } = readExport(folder);
    // The guest by name, the host once.
    expect(voices.map((v) => v.name).sort()).toEqual(['Guest Gina', 'Host Hana']);
    const takeMs = durationMs(join(folder, 'Host Hana.wav'));
    console.info(`recovered take: ${takeMs} ms`);
    expect(takeMs).toBeGreaterThan(4000);
    expect(takeMs).toBeLessThan(15_000);
    checkAlignment(folder, manifest, 'recovered take');
    expect(leftovers(dataDir)).toEqual([]);
    void spaceId;
  });

  // ---- helpers ----

  function play(wav: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const p = spawn('paplay', ['-d', 'room', wav], { env: { ...process.env, ...pulse.env }, stdio: 'ignore' });
      p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`paplay exited ${code}`))));
    });
  }

  async function exportedFolder(row: ReturnType<Page['locator']>): Promise<string> {
    const loc = row.getByTestId('take-export');
    await expect.poll(() => loc.count(), { timeout: 90_000 }).toBe(1);
    return /Exported to (\S+) \(and/.exec((await loc.textContent())!)![1]!;
  }

  function readExport(folder: string): { manifest: { tracks: ManifestTrack[] }; voices: ManifestTrack[] } {
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { tracks: ManifestTrack[] };
    console.info(`export: ${manifest.tracks.map((t) => `${t.file} (${t.kind}, ${t.origin}, +${t.offsetMs.toFixed(0)} ms, ${durationMs(join(folder, t.file))} ms)`).join(', ')}`);
    return { manifest, voices: manifest.tracks.filter((t) => t.kind === 'voice') };
  }

  function checkAlignment(folder: string, manifest: { tracks: ManifestTrack[] }, what: string): void {
    const file = (name: string): string => join(folder, manifest.tracks.find((t) => t.name === name)!.file);
    const hostClaps = clapsIn(read24(file('Host Hana')));
    const guestClaps = clapsIn(read24(file('Guest Gina')));
    const programClaps = clapsIn(read24(join(folder, 'program-mix.wav')));
    console.info(`${what}: claps (ms) host ${hostClaps.map(r1)}, guest ${guestClaps.map(r1)}, program ${programClaps.map(r1)}`);
    expect(hostClaps.length).toBeGreaterThan(0);
    let pairs = 0;
    for (const c of hostClaps) {
      const g = nearest(guestClaps, c);
      const p = nearest(programClaps, c);
      console.info(`${what}: clap at ${r1(c)} ms: guest ${r1(g - c)} ms, program ${r1(p - c)} ms`);
      expect(Math.abs(g - c)).toBeLessThanOrEqual(SAME_TAKE_MS);
      expect(Math.abs(p - c)).toBeLessThanOrEqual(ALIGN_MS);
      pairs++;
    }
    expect(pairs).toBeGreaterThan(0);
    const lengths = manifest.tracks.map((t) => durationMs(join(folder, t.file)));
    console.info(`${what}: durations ${lengths.join(', ')} ms`);
    expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(SPREAD_MS);
  }

  function read24(file: string): Pcm {
    const out = join(dir, `r16-${Math.random().toString(36).slice(2)}.wav`);
    execFileSync('sox', [file, '-b', '16', out]);
    return readWav(out);
  }
});

function ms(p: string[]): number {
  return ((Number(p[0]) * 60 + Number(p[1])) * 60 + Number(p[2])) * 1000 + Number(p[3]);
}
const r1 = (x: number): string => x.toFixed(1);

function durationMs(file: string): number {
  return Math.round(Number(execFileSync('soxi', ['-D', file], { encoding: 'utf8' })) * 1000);
}

/** Claps (ms): the first sample over half the track's own peak-of-claps level, at least 1 s apart. */
function clapsIn(pcm: Pcm): number[] {
  const at: number[] = [];
  const threshold = 0.6;
  for (let i = 0; i < pcm.samples.length; i++) {
    if (Math.abs(pcm.samples[i]!) > threshold) {
      at.push((i * 1000) / pcm.sampleRate);
      i += pcm.sampleRate;
    }
  }
  return at;
}

function nearest(xs: number[], x: number): number {
  return xs.reduce((best, v) => (Math.abs(v - x) < Math.abs(best - x) ? v : best), Infinity);
}

/** Files a take's export leaves behind in the Studio's data folder besides takes/ and exports/. */
function leftovers(dataDir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.startsWith('.stage-')) out.push(join(d, e.name));
    }
  };
  walk(dataDir);
  return out;
}
