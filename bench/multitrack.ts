import { execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TakeInfo } from '../src/shared/multitrack.js';
import { makeSpeechWav, readWav } from '../test/support/audio.js';
import { launchChromium } from '../test/support/browser.js';
import { TestMachine } from '../test/support/netns.js';
import { startTestPulse } from '../test/support/pulse.js';
import { requireNetns, startTestServer, tempDir } from '../test/support/stack.js';
import { spawnStudio } from '../test/support/studioChild.js';
import { percentile, round1 } from './stats.js';
import { registerInStudio } from '../test/support/studioPage.js';

/**
 * Podcast multitrack (issue 13). A host Studio and a co-host Studio on a machine of its own
 * (network namespace) record a take together; their microphones are the two channels of one
 * PulseAudio sink into which a clap plays every 10 s, so both hear each clap at the same instant.
 *  - track_alignment_ms: measured on the exported WAVs: the largest gap between a clap in the
 *    host's track and the same clap in every other track that holds it (the co-host's uploaded
 *    track, and the program mix, where the host's own clap comes through the console);
 *  - recovered_take_alignment_ms: the same after a second take, during which the host's Studio is
 *    SIGKILLed (the co-host does not record it, so the co-host's track is the server's recording);
 *  - durations_spread_ms: the longest minus the shortest file of each export (both takes);
 *  - drift_ms_per_hour: the slope of that gap over the take (least squares), per hour;
 *  - upload_resume_s: the co-host's cable is pulled for 5 s during the take; from plugging it
 *    back in to the upload moving again;
 *  - recorder_cpu_pct: CPU of the co-host's Studio main process (take writing + upload) over the
 *    take, % of one core;
 *  - take_loss_ms_after_kill: a Studio SIGKILLed mid-take; audio between its last recovered
 *    sample and the kill (median of rounds).
 * Options: --minutes N (default 5), --rounds N (kill rounds, default 3), --json.
 */
export const description = 'multitrack: alignment of the exported tracks (normal and recovered take), durations, drift, upload resume after a link cut, recorder CPU, take loss after SIGKILL';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}


/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

/** Sample indexes (48 kHz) of claps: |x| over 0.6, at least 1 s apart. */
function claps(file: string, dir: string): number[] {
  const out = join(dir, `c16-${Math.random().toString(36).slice(2)}.wav`);
  execFileSync('sox', [file, '-b', '16', out]);
  const { samples } = readWav(out);
  const at: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) > 0.6) {
      at.push(i);
      i += 48_000;
    }
  }
  return at;
}

/** Seconds of a WAV. */
function seconds(file: string): number {
  return Number(execFileSync('soxi', ['-D', file], { encoding: 'utf8' }));
}

/**
 * An export's claps, on the exported files: for each clap in the host's track, its distance to the
 * same clap in each other track (ms, signed); and the spread of the files' durations.
 */
function measureExport(folder: string, dir: string, others: string[]): { gaps: number[]; spreadMs: number; tracks: string } {
  const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { tracks: { file: string; name: string; origin: string }[] };
  const h = claps(join(folder, 'Host Hannah.wav'), dir);
  const gaps: number[] = [];
  for (const other of others) {
    const c = claps(join(folder, other), dir);
    for (const t of h) {
      const near = c.reduce((best, x) => (Math.abs(x - t) < Math.abs(best - t) ? x : best), Infinity);
      if (Math.abs(near - t) < 48_000) gaps.push((near - t) / 48);
    }
  }
  const lengths = manifest.tracks.map((t) => seconds(join(folder, t.file)) * 1000);
  return { gaps, spreadMs: Math.max(...lengths) - Math.min(...lengths), tracks: manifest.tracks.map((t) => `${t.file} (${t.origin})`).join(', ') };
}

async function alignmentRun(minutes: number): Promise<{ alignment: number[]; signedMs: number[]; driftMsPerHour: number; resumeS: number; cpuPct: number; clapCount: number; cohostOffsetMs: number; allGaps: number[]; recoveredGaps: number[]; spreadMs: number[] }> {
  const dir = tempDir('bench-multitrack');
  const clap = join(dir, 'clap10.wav');
  // 10 s: a 4 ms clap on both channels, then silence.
  execFileSync('sox', ['-n', '-r', '48000', '-c', '2', '-b', '16', clap, 'synth', '0.004', 'square', '1000', 'vol', '0.95', 'pad', '0', '9.996']);
  const pulse = await startTestPulse();
  await pulse.pactl('load-module', 'module-null-sink', 'sink_name=room', 'rate=48000', 'channels=2', 'channel_map=front-left,front-right', 'sink_properties=device.description=Room');
  for (const [name, ch, desc] of [['host_mic', 'front-left', 'HostMic'], ['cohost_mic', 'front-right', 'CohostMic']] as const) {
    await pulse.pactl('load-module', 'module-remap-source', `source_name=${name}`, 'master=room.monitor', `master_channel_map=${ch}`, 'channel_map=mono', 'channels=1', `source_properties=device.description=${desc}`);
  }
  const server = await startTestServer({ janusWsPort: 8296, host: '10.99.0.1' });
  // The host's Studio is a process of its own: the second take kills it.
  const hostDir = tempDir('bench-mt-host');
  const hostStudios: ChildProcess[] = [];
  const machine = await TestMachine.create('bmt', '10.99.0.6');
  const cohostDir = tempDir('bench-mt-cohost');
  let cohostChild: ChildProcess | undefined;
  const browsers: Browser[] = [];
  try {
    const hostStudio = await spawnStudio({ port: 5855, dataDir: hostDir, serverUrl: server.url });
    hostStudios.push(hostStudio.child);
    const spawned = await spawnStudio({ port: 5851, dataDir: cohostDir, serverUrl: server.url, netns: machine.ns });
    cohostChild = spawned.child;
    browsers.push(await launchChromium({ env: pulse.env }), await launchChromium({ env: pulse.env, executablePath: machine.chromiumWrapper() }));
    const host = await (await browsers[0]!.newContext({ permissions: ['microphone'] })).newPage();
    const cohost = await (await browsers[1]!.newContext({ permissions: ['microphone'] })).newPage();
    await host.goto(hostStudio.url);
    await cohost.goto(spawned.url);
    await registerInStudio(host, 'mt_host', 'Host Hannah', 20_000);
    // The device choice lives in the mic strip's input settings.
    await host.getByRole('region', { name: 'Input strip' }).getByRole('button', { name: 'Input settings' }).click();
    await host.getByRole('dialog', { name: 'Input settings' }).getByLabel('Microphone').selectOption({ label: 'HostMic' });
    await host.getByRole('dialog', { name: 'Input settings' }).getByRole('button', { name: 'Close' }).click();
    await host.getByRole('form', { name: 'Create a Space' }).getByLabel('Title').fill('Multitrack bench');
    await host.getByRole('button', { name: 'Create Space' }).click();
    const link = (await host.getByTestId('listener-link').textContent())!;
    await host.getByRole('button', { name: 'Go live' }).click();
    await registerInStudio(cohost, 'mt_cohost', 'Cohost Carl', 20_000);
    // The device choice lives in the mic strip's input settings.
    await cohost.getByRole('region', { name: 'Input strip' }).getByRole('button', { name: 'Input settings' }).click();
    await cohost.getByRole('dialog', { name: 'Input settings' }).getByLabel('Microphone').selectOption({ label: 'CohostMic' });
    await cohost.getByRole('dialog', { name: 'Input settings' }).getByRole('button', { name: 'Close' }).click();
    await cohost.getByLabel('Join as co-host or producer (link or id)').fill(link);
    await cohost.getByRole('button', { name: 'Join Space' }).click();
    await host.locator('li', { hasText: 'Cohost Carl' }).getByRole('button', { name: 'Invite to speak' }).click();
    await cohost.getByRole('button', { name: 'Accept' }).click();
    await host.locator('li', { hasText: 'Cohost Carl' }).getByRole('button', { name: 'Make co-host' }).click();
    await cohost.getByRole('button', { name: 'Join the stage' }).click();
    await cohost.getByText(/^Stage: connected/).waitFor({ timeout: 30_000 });

    const stopClaps = pulse.loop('room', clap);
    await host.getByRole('button', { name: 'Record take' }).click();
    await cohost.getByRole('button', { name: 'Record take' }).click();
    const started = Date.now();
    const cpu0 = cpuSeconds(cohostChild.pid!);
    const sent = async (): Promise<number> => Number(/upload \w+ (\d+) KiB/.exec((await cohost.getByTestId('take-elapsed').textContent().catch(() => '')) ?? '')?.[1] ?? -1);
    await until(sent, (v) => v > 0, 20_000, 'the upload to start');
    await sleep(20_000);
    machine.setLink(false);
    await sleep(5000);
    const atCut = await sent();
    machine.setLink(true);
    const restored = Date.now();
    await until(sent, (v) => v > atCut, 60_000, 'the upload to resume');
    const resumeS = (Date.now() - restored) / 1000;
    await sleep(Math.max(0, minutes * 60_000 - (Date.now() - started)));
    await cohost.getByRole('button', { name: 'Stop take' }).click();
    await host.getByRole('button', { name: 'Stop take' }).click();
    const cpuPct = ((cpuSeconds(cohostChild.pid!) - cpu0) / ((Date.now() - started) / 1000)) * 100;
    stopClaps();
    await cohost.locator('li[data-status="stopped"]', { hasText: 'upload done' }).waitFor({ timeout: 300_000 });
    const hostRow = host.locator('li[data-status="stopped"]').first();
    await hostRow.getByRole('button', { name: 'Export' }).click();
    const exported = hostRow.getByTestId('take-export');
    await exported.waitFor({ timeout: 300_000 });
    const folder = /Exported to (\S+) \(and/.exec((await exported.textContent())!)![1]!;
    const all = measureExport(folder, dir, ['Cohost Carl.wav', 'program-mix.wav']);
    process.stderr.write(`normal take: ${all.tracks}\n`);
    const h = claps(join(folder, 'Host Hannah.wav'), dir);
    const c = claps(join(folder, 'Cohost Carl.wav'), dir);
    // Pair each host clap with the nearest co-host clap (within 1 s).
    const pairs: [number, number][] = [];
    for (const t of h) {
      const near = c.reduce((best, x) => (Math.abs(x - t) < Math.abs(best - t) ? x : best), Infinity);
      if (Math.abs(near - t) < 48_000) pairs.push([t / 48, (near - t) / 48]);
    }
    if (pairs.length < 3) throw new Error(`only ${pairs.length} claps found in both tracks`);
    const n = pairs.length;
    const mx = pairs.reduce((s, p) => s + p[0], 0) / n;
    const my = pairs.reduce((s, p) => s + p[1], 0) / n;
    const slope = pairs.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / pairs.reduce((s, p) => s + (p[0] - mx) ** 2, 0); // ms per ms
    const cohostTake = JSON.parse(readFileSync(join(cohostDir, 'takes', readdirSync(join(cohostDir, 'takes'))[0]!, 'take.json'), 'utf8')) as TakeInfo;

    // A second take that only the host records; its Studio is SIGKILLed ~15 s in and started again.
    const stopClaps2 = pulse.loop('room', clap);
    await host.getByRole('button', { name: 'Record take' }).click();
    await host.getByTestId('take-elapsed').filter({ hasText: /Recording 0:1[5-9]/ }).waitFor({ timeout: 30_000 });
    hostStudio.child.kill('SIGKILL');
    await new Promise((r) => hostStudio.child.once('exit', r));
    stopClaps2();
    const again = await spawnStudio({ port: 5856, dataDir: hostDir, serverUrl: server.url });
    hostStudios.push(again.child);
    await host.goto(again.url);
    await host.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 30_000 });
    const recoveredRow = host.locator('li[data-status="recovered"]').first();
    await recoveredRow.getByRole('button', { name: 'Export' }).click();
    const exported2 = recoveredRow.getByTestId('take-export');
    await exported2.waitFor({ timeout: 300_000 });
    const folder2 = /Exported to (\S+) \(and/.exec((await exported2.textContent())!)![1]!;
    const recovered = measureExport(folder2, dir, ['Cohost Carl.wav', 'program-mix.wav']);
    process.stderr.write(`recovered take: ${recovered.tracks}\n`);
    return {
      alignment: pairs.map((p) => Math.abs(p[1])),
      signedMs: pairs.map((p) => p[1]),
      driftMsPerHour: slope * 3_600_000,
      resumeS,
      cpuPct,
      clapCount: n,
      cohostOffsetMs: cohostTake.serverOffsetMs,
      allGaps: all.gaps,
      recoveredGaps: recovered.gaps,
      spreadMs: [all.spreadMs, recovered.spreadMs],
    };
  } finally {
    await Promise.all(browsers.map((b) => b.close().catch(() => undefined)));
    cohostChild?.kill('SIGKILL');
    for (const c of hostStudios) c.kill('SIGKILL');
    await server.close();
    machine.destroy();
    await pulse.stop();
  }
}

async function killRound(port: number): Promise<number> {
  const dir = tempDir('bench-take-kill');
  const dataDir = join(dir, 'studio');
  const speech = makeSpeechWav(dir, 'host', 'Recording a take that will be cut short by a crash of the whole Studio.');
  const first = await spawnStudio({ port, dataDir });
  const browser = await launchChromium({ micWav: speech });
  let second: Awaited<ReturnType<typeof spawnStudio>> | undefined;
  try {
    const page = await browser.newPage();
    await page.goto(first.url);
    const record = page.getByRole('button', { name: 'Record take' });
    await until(() => record.isEnabled(), (v) => v, 20_000, 'the microphone');
    await record.click();
    await page.getByTestId('take-elapsed').filter({ hasText: /Recording 0:0[5-9]/ }).waitFor({ timeout: 20_000 });
    const takeId = readdirSync(join(dataDir, 'takes'))[0]!;
    const startedAt = (JSON.parse(readFileSync(join(dataDir, 'takes', takeId, 'take.json'), 'utf8')) as TakeInfo).startedAt;
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((r) => first.child.once('exit', r));
    second = await spawnStudio({ port: port + 1, dataDir });
    await page.goto(second.url);
    await page.locator(`[data-testid="take-${takeId}"][data-status="recovered"]`).waitFor({ timeout: 20_000 });
    const take = JSON.parse(readFileSync(join(dataDir, 'takes', takeId, 'take.json'), 'utf8')) as TakeInfo;
    return killedAt - startedAt - take.durationMs;
  } finally {
    await browser.close();
    first.child.kill('SIGKILL');
    second?.child.kill('SIGKILL');
  }
}

export async function run(args: string[]): Promise<number> {
  requireNetns();
  const json = args.includes('--json');
  const opt = (name: string, dflt: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
  const minutes = opt('--minutes', 5);
  const rounds = opt('--rounds', 3);
  const losses: number[] = [];
  for (let i = 0; i < rounds; i++) losses.push(await killRound(5861 + 2 * i));
  const a = await alignmentRun(minutes);
  const abs = (xs: number[]): number[] => xs.map(Math.abs);
  const result = {
    /** Over every clap in every exported track that holds it (co-host upload, program mix), against the host's track. */
    track_alignment_ms: round1(Math.max(...abs(a.allGaps))),
    track_alignment_p50_ms: round1(percentile(abs(a.allGaps), 50)),
    recovered_take_alignment_ms: a.recoveredGaps.length ? round1(Math.max(...abs(a.recoveredGaps))) : null,
    durations_spread_ms: round1(Math.max(...a.spreadMs)),
    /** Host track against the co-host's uploaded track only (what this figure measured before issue 18). */
    voice_alignment_ms: round1(Math.max(...a.alignment)),
    drift_ms_per_hour: round1(a.driftMsPerHour),
    take_loss_ms_after_kill: round1(percentile(losses, 50)),
    take_loss_all_ms: losses.map(Math.round),
    upload_resume_s: round1(a.resumeS),
    recorder_cpu_pct: round1(a.cpuPct),
    claps: a.clapCount,
    /** co-host track minus host track at each clap (ms): a constant part is start-time error, a slope is drift. */
    clap_offsets_ms: a.signedMs.map(round1),
    cohost_clock_offset_ms: round1(a.cohostOffsetMs),
    minutes,
    recovered_gaps_ms: a.recoveredGaps.map(round1),
    targets: { track_alignment_ms: 20, recovered_take_alignment_ms: 20, durations_spread_ms: 50, drift_ms_per_hour: 20, take_loss_ms_after_kill: 1000 },
  };
  if (json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    const met = (v: number, t: number): string => (Math.abs(v) <= t ? 'met' : 'MISSED');
    process.stdout.write(`track_alignment_ms       ${result.track_alignment_ms} (exported files: max over ${a.allGaps.length} clap pairs; median ${result.track_alignment_p50_ms})  ${met(result.track_alignment_ms, 20)} (target <= 20)\n`);
    process.stdout.write(`recovered_take_alignment_ms ${result.recovered_take_alignment_ms} (${a.recoveredGaps.length} clap pairs)  ${met(result.recovered_take_alignment_ms ?? Infinity, 20)} (target <= 20)\n`);
    process.stdout.write(`durations_spread_ms      ${result.durations_spread_ms}  ${met(result.durations_spread_ms, 50)} (target <= 50)\n`);
    process.stdout.write(`drift_ms_per_hour        ${result.drift_ms_per_hour} (over ${minutes} min)  ${met(result.drift_ms_per_hour, 20)} (target <= 20)\n`);
    process.stdout.write(`take_loss_ms_after_kill  ${result.take_loss_ms_after_kill} (median; ${result.take_loss_all_ms.join(', ')})  ${met(result.take_loss_ms_after_kill, 1000)} (target <= 1000)\n`);
    process.stdout.write(`upload_resume_s          ${result.upload_resume_s} (after a 5 s link cut)\n`);
    process.stdout.write(`  (co-host minus host at the claps: ${result.clap_offsets_ms.slice(0, 6).join(', ')}${result.clap_offsets_ms.length > 6 ? ', ...' : ''} ms; co-host's measured clock offset to the server ${result.cohost_clock_offset_ms} ms)\n`);
    process.stdout.write(`recorder_cpu_pct         ${result.recorder_cpu_pct} (co-host Studio main process: take + upload, % of one core)\n`);
  }
  return 0;
}
