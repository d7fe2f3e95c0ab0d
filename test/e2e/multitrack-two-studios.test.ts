import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/app.js';
import type { TakeInfo } from '../../src/shared/multitrack.js';
import { WAV_HEADER_BYTES } from '../../src/main/services/multitrack/wav.js';
import { envelope, makeSpeechWav, pearson, readWav, type Pcm } from '../support/audio.js';
import { launchChromium } from '../support/browser.js';
import { TestMachine } from '../support/netns.js';
import { startTestPulse, type TestPulse } from '../support/pulse.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { spawnStudio } from '../support/studioChild.js';
import { createSpaceInStudio, registerInStudio } from '../support/studioPage.js';

/**
 * A podcast with two Studios: the host (on the server's machine) and a co-host on a machine of
 * its own (a network namespace). Their microphones are the two channels of one PulseAudio sink,
 * so a clap at the end reaches both at the same instant, as in a room. They speak in turns with
 * different speech and both record a take; the co-host's mic is uploaded while recording, through
 * a 5 s cut of its network cable. The server's copy is bit-identical; the host's export has one
 * track per voice, each with its own speaker and not the other, and the clap lines up.
 */
describe('a multitrack take with a host and a remote co-host', () => {
  let pulse: TestPulse;
  let server: RunningServer;
  let serverDir: string;
  let hostStudio: Awaited<ReturnType<typeof startTestStudio>>;
  let machine: TestMachine;
  let cohostChild: ChildProcess;
  const cohostDir = tempDir('cohost-studio');
  const browsers: Browser[] = [];
  let host: Page;
  let cohost: Page;
  let dir: string;
  let leftWav: string;
  let rightWav: string;
  let scriptWav: string;
  let spaceId = '';

  beforeAll(async () => {
    requireNetns();
    dir = tempDir('multitrack');
    const a = makeSpeechWav(dir, 'host', 'Welcome to the podcast. I am your host, and this is the first segment of the show.', { padSeconds: 0, normDb: -6 });
    const b = makeSpeechWav(dir, 'cohost', 'Thanks. Over here on the second machine, the co-host answers in a very different sentence.', { padSeconds: 0, normDb: -6 });
    const samples = (f: string): number => Number(execFileSync('soxi', ['-s', f], { encoding: 'utf8' }));
    const silence = (name: string, n: number): string => {
      const f = join(dir, `${name}.wav`);
      execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', f, 'trim', '0', `${n}s`]);
      return f;
    };
    const clap = join(dir, 'clap.wav');
    execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', clap, 'synth', '0.004', 'square', '1000', 'vol', '0.95']);
    const gap = silence('gap', 24_000);
    const tail = silence('tail', 48_000);
    // Left (host): A, silence while B speaks, clap. Right (co-host): silence while A speaks, B, clap.
    leftWav = join(dir, 'left.wav');
    rightWav = join(dir, 'right.wav');
    execFileSync('sox', [a, silence('during-b', samples(b) + 24_000), gap, clap, tail, leftWav]);
    execFileSync('sox', [silence('during-a', samples(a) + 24_000), b, gap, clap, tail, rightWav]);
    scriptWav = join(dir, 'script.wav');
    execFileSync('sox', ['-M', leftWav, rightWav, scriptWav]);

    pulse = await startTestPulse();
    await pulse.pactl('load-module', 'module-null-sink', 'sink_name=room', 'rate=48000', 'channels=2', 'channel_map=front-left,front-right', 'sink_properties=device.description=Room');
    for (const [name, ch, desc] of [['host_mic', 'front-left', 'HostMic'], ['cohost_mic', 'front-right', 'CohostMic']] as const) {
      await pulse.pactl('load-module', 'module-remap-source', `source_name=${name}`, 'master=room.monitor', `master_channel_map=${ch}`, 'channel_map=mono', 'channels=1', `source_properties=device.description=${desc}`);
    }

    serverDir = tempDir('server');
    server = await startTestServer({ janusWsPort: 8203, host: '10.99.0.1', dataDir: serverDir });
    hostStudio = await startTestStudio(server.url);
    machine = await TestMachine.create('mt', '10.99.0.5');
    const spawned = await spawnStudio({ port: 5841, dataDir: cohostDir, serverUrl: server.url, netns: machine.ns });
    cohostChild = spawned.child;
    const [h, c] = await Promise.all([launchChromium({ env: pulse.env }), launchChromium({ env: pulse.env, executablePath: machine.chromiumWrapper() })]);
    browsers.push(h!, c!);
    host = await (await h!.newContext({ permissions: ['microphone'] })).newPage();
    cohost = await (await c!.newContext({ permissions: ['microphone'] })).newPage();
    await host.goto(hostStudio.url);
    await cohost.goto(spawned.url);
  });
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close().catch(() => undefined)));
    cohostChild?.kill('SIGKILL');
    await hostStudio?.close();
    await server?.close();
    machine?.destroy();
    await pulse?.stop();
  });

  it('host and co-host are on stage, each with their own microphone', async () => {
    await registerInStudio(host, 'pod_host', 'Host Hannah');
    await chooseMic(host, 'HostMic');
    const link = await createSpaceInStudio(host, 'Multitrack podcast');
    spaceId = /\/s\/([a-z0-9]{10})/.exec(link)![1]!;
    await host.getByRole('button', { name: 'Go live' }).click();
    await registerInStudio(cohost, 'pod_cohost', 'Cohost Carl');
    await chooseMic(cohost, 'CohostMic');
    await cohost.getByLabel('Join as co-host or producer (link or id)').fill(link);
    await cohost.getByRole('button', { name: 'Join Space' }).click();
    await host.locator('li', { hasText: 'Cohost Carl' }).getByRole('button', { name: 'Invite to speak' }).click();
    await cohost.getByRole('button', { name: 'Accept' }).click();
    await host.locator('li', { hasText: 'Cohost Carl' }).getByRole('button', { name: 'Make co-host' }).click();
    await expect.poll(() => cohost.getByTestId('my-role').textContent()).toContain('co-host');
    await cohost.getByRole('button', { name: 'Join the stage' }).click();
    await expect.poll(() => cohost.getByText(/^Stage: connected/).count(), { timeout: 20_000 }).toBe(1);
  });

  it('both record; the co-host upload survives a 5 s link cut and the server copy is bit-identical', async () => {
    await host.getByRole('button', { name: 'Record take' }).click();
    await cohost.getByRole('button', { name: 'Record take' }).click();
    await expect.poll(() => cohost.getByTestId('take-elapsed').textContent(), { timeout: 15_000 }).toMatch(/upload uploading [1-9]/);
    const sent = async (): Promise<number> => Number(/upload \w+ (\d+) KiB/.exec((await cohost.getByTestId('take-elapsed').textContent()) ?? '')?.[1] ?? -1);
    machine.setLink(false);
    await new Promise((r) => setTimeout(r, 1000));
    const atCut = await sent();
    await new Promise((r) => setTimeout(r, 4000));
    // The cut is real: nothing got through while the cable was out.
    expect(await sent()).toBeLessThanOrEqual(atCut + 36);
    machine.setLink(true);
    const restored = Date.now();
    await expect.poll(sent, { timeout: 30_000, interval: 100 }).toBeGreaterThan(atCut + 100);
    console.info(`upload resumed ${Date.now() - restored} ms after the link came back (${atCut} KiB at the cut)`);
    // They speak in turns, then clap (one playback into the room both mics hear).
    await new Promise<void>((resolve, reject) => {
      const p = spawn('paplay', ['-d', 'room', scriptWav], { env: { ...process.env, ...pulse.env }, stdio: 'ignore' });
      p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`paplay exited ${code}`))));
    });
    await new Promise((r) => setTimeout(r, 1000));
    await cohost.getByRole('button', { name: 'Stop take' }).click();
    await host.getByRole('button', { name: 'Stop take' }).click();
    await expect.poll(() => cohost.locator('li[data-status="stopped"]').textContent(), { timeout: 60_000 }).toMatch(/upload done/);

    const takeId = readdirSync(join(cohostDir, 'takes'))[0]!;
    const take = JSON.parse(readFileSync(join(cohostDir, 'takes', takeId, 'take.json'), 'utf8')) as TakeInfo;
    const local = readFileSync(take.tracks.find((t) => t.kind === 'mic')!.file).subarray(WAV_HEADER_BYTES);
    const spaceDir = join(serverDir, 'multitrack', spaceId);
    const upload = readdirSync(spaceDir).find((f) => f.endsWith('.s24'))!;
    const remote = readFileSync(join(spaceDir, upload));
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    console.info(`co-host track: ${local.length} bytes local, ${remote.length} on the server`);
    expect(remote.length).toBe(local.length);
    expect(sha(remote)).toBe(sha(local));
  });

  it("the host's export: a track per voice, each its own speaker, the clap aligned", async () => {
    const takeRow = host.locator('li[data-status="stopped"]').first();
    await takeRow.getByRole('button', { name: 'Export' }).click();
    const text = await expectText(host.getByTestId('take-export'));
    const folder = /Exported to (\S+) \(and/.exec(text)![1]!;
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { tracks: { file: string; kind: string; name: string; origin: string; offsetMs: number }[] };
    const voices = manifest.tracks.filter((t) => t.kind === 'voice');
    console.info(`export: ${manifest.tracks.map((t) => `${t.file} (${t.kind}, ${t.origin}, +${t.offsetMs.toFixed(0)} ms)`).join(', ')}`);
    expect(voices.map((v) => v.file).sort()).toEqual(['Cohost Carl.wav', 'Host Hannah.wav']);
    expect(voices.find((v) => v.name === 'Cohost Carl')!.origin).toBe('studio-upload');
    for (const f of ['program-mix.wav', 'transcript.srt', 'transcript.vtt', 'transcript.json', 'markers.json']) expect(readdirSync(folder)).toContain(f);
    execFileSync('unzip', ['-tq', `${folder}.zip`]);
    // Speaker changes (from the stage's talk events) are markers, named by speaker.
    const markers = JSON.parse(readFileSync(join(folder, 'markers.json'), 'utf8')) as { kind: string; label: string; atMs: number }[];
    expect(markers.filter((m) => m.kind === 'speaker').map((m) => m.label)).toContain('Cohost Carl');

    const hostPcm = read24(join(folder, 'Host Hannah.wav'));
    const cohostPcm = read24(join(folder, 'Cohost Carl.wav'));
    const left = envelope(readWav(leftWav));
    const right = envelope(readWav(rightWav));
    const h = bestLag(envelope(hostPcm), left);
    const c = bestLag(envelope(cohostPcm), right);
    const hCross = pearson(envelope(hostPcm).slice(h.lag, h.lag + right.length), right);
    const cCross = pearson(envelope(cohostPcm).slice(c.lag, c.lag + left.length), left);
    console.info(`host track: own r=${h.r.toFixed(3)} other r=${hCross.toFixed(3)}; co-host track: own r=${c.r.toFixed(3)} other r=${cCross.toFixed(3)}`);
    expect(h.r).toBeGreaterThanOrEqual(0.9);
    expect(c.r).toBeGreaterThanOrEqual(0.9);
    expect(hCross).toBeLessThanOrEqual(0.3);
    expect(cCross).toBeLessThanOrEqual(0.3);
    const clapHost = firstAbove(hostPcm, 0.75);
    const clapCohost = firstAbove(cohostPcm, 0.75);
    const alignmentMs = Math.abs(clapHost - clapCohost) / 48;
    console.info(`clap: host track ${(clapHost / 48).toFixed(1)} ms, co-host track ${(clapCohost / 48).toFixed(1)} ms: ${alignmentMs.toFixed(1)} ms apart`);
    expect(clapHost).toBeGreaterThan(0);
    expect(clapCohost).toBeGreaterThan(0);
    expect(alignmentMs).toBeLessThanOrEqual(20);
  });

  it("the server's own per-speaker recordings: one per voice, named by speaker, each with that speaker's speech", async () => {
    // Asked through the protocol, as the host's Studio does for its export.
    const listed = (await hostStudio.service.requestOnServer('stage.tracks', { spaceId })) as { tracks: { name: string; displayName: string; startedAt: number; bytes: number }[] };
    console.info(`server stage tracks: ${listed.tracks.map((t) => `${t.displayName}: ${t.name} ${t.bytes} B from ${new Date(t.startedAt).toISOString()}`).join(', ')}`);
    expect(listed.tracks.map((t) => t.displayName)).toEqual(expect.arrayContaining(['Host Hannah', 'Cohost Carl']));
    const tracks = listed.tracks.map((t) => ({ ...t, file: join(serverDir, 'multitrack', spaceId, 'stage', t.name) }));
    // Each speaker's track (named after them) carries their speech. Opus through the network,
    // timed by the sender's RTP clock: second-long pieces of the speech, each at its best place
    // (as the other Opus tests of the suite compare).
    const speech = (f: string): number[] => envelope(readWav(f));
    const of = (name: string): typeof tracks => tracks.filter((t) => t.displayName === name);
    const rh = Math.max(...of('Host Hannah').map((t) => piecewise(envelope(read24(t.file)), speech(join(dir, 'host.wav')))));
    const rc = Math.max(...of('Cohost Carl').map((t) => piecewise(envelope(read24(t.file)), speech(join(dir, 'cohost.wav')))));
    console.info(`server tracks: host speech r=${rh.toFixed(3)}, co-host speech r=${rc.toFixed(3)}`);
    expect(rh).toBeGreaterThanOrEqual(0.8);
    expect(rc).toBeGreaterThanOrEqual(0.8);
  });

  /** The device choice lives in the mic strip's input settings. */
  async function chooseMic(page: Page, label: string): Promise<void> {
    await page.getByRole('region', { name: 'Input strip' }).getByRole('button', { name: 'Input settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Input settings' });
    await dialog.getByLabel('Microphone').selectOption({ label });
    await dialog.getByRole('button', { name: 'Close' }).click();
  }

  async function expectText(loc: ReturnType<Page['getByTestId']>): Promise<string> {
    await expect.poll(() => loc.count(), { timeout: 60_000 }).toBe(1);
    return (await loc.textContent())!;
  }
  function read24(file: string): Pcm {
    const out = join(dir, `r16-${Math.random().toString(36).slice(2)}.wav`);
    execFileSync('sox', [file, '-b', '16', out]);
    return readWav(out);
  }
});

/** The lag where the reference fits best into the recording (envelopes), and its r. */
function bestLag(track: number[], ref: number[]): { lag: number; r: number } {
  let best = { lag: 0, r: -1 };
  for (let lag = 0; lag + ref.length <= track.length; lag++) {
    const r = pearson(track.slice(lag, lag + ref.length), ref);
    if (r > best.r) best = { lag, r };
  }
  return best;
}

/** Median over 1 s pieces of the reference of each piece's best correlation anywhere in the track. */
function piecewise(track: number[], ref: number[], piece = 100): number {
  const rs: number[] = [];
  for (let i = 0; i + piece <= ref.length; i += piece) rs.push(bestLag(track, ref.slice(i, i + piece)).r);
  rs.sort((a, b) => a - b);
  return rs.length ? rs[Math.floor((rs.length - 1) / 2)]! : -1;
}

function firstAbove(pcm: Pcm, threshold: number): number {
  return pcm.samples.findIndex((x) => Math.abs(x) > threshold);
}
