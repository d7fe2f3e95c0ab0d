import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/support/browser.js';
import { makeSilenceWav } from '../test/support/audio.js';
import { TestMachine } from '../test/support/netns.js';
import { startServerProcess } from '../test/support/serverProcess.js';
import { registerInStudio } from '../test/support/studioPage.js';
import { requireNetns, startTestStudio, tempDir } from '../test/support/stack.js';
import { percentile, round1 } from './stats.js';

/**
 * How fast a live Space recovers, heard from a listener's page: a co-host on a machine of its own
 * (network namespace + veth, its Studio services and window there) speaks a steady tone; the
 * listener page logs the received level every 10 ms. After each failure we take the first moment
 * the tone is back (RMS above half its normal level for 100 ms):
 *  - link_restore_ms: the co-host's cable is pulled for 5 s; from plugging it back in;
 *  - janus_restart_ms: Janus is SIGKILLed; from the kill (the server restarts it and rebuilds);
 *  - server_restart_ms: the Space server is SIGKILLed and started again at once; from the kill.
 */
export const description = 'recovery: link restore, Janus SIGKILL, server restart -> audio heard again (ms)';

const LEVEL_JS = `(() => {
  const el = document.getElementById('audio');
  const ctx = new AudioContext({ sampleRate: 48000 });
  window.__levels = [];
  let source = null, stream = null;
  const proc = ctx.createScriptProcessor(512, 1, 1);
  const sink = ctx.createGain(); sink.gain.value = 0;
  proc.connect(sink).connect(ctx.destination);
  proc.onaudioprocess = (e) => {
    if (el.srcObject !== stream) {
      source && source.disconnect();
      stream = el.srcObject;
      source = stream && stream.getAudioTracks().length ? ctx.createMediaStreamSource(stream) : null;
      source && source.connect(proc);
    }
    const x = e.inputBuffer.getChannelData(0);
    let s = 0; for (let i = 0; i < x.length; i++) s += x[i] * x[i];
    window.__levels.push([Date.now(), stream ? Math.sqrt(s / x.length) : 0]);
    if (window.__levels.length > 20000) window.__levels.splice(0, 10000);
  };
})()`;

/**
 * From the levels the page logged: after `after`, the outage (200 ms below half the normal
 * level; what was already in the jitter buffer may play on for a moment), then the first 100 ms
 * back above it. Returns the return's start minus `after`.
 */
async function firstHeard(page: Page, after: number, level: number, outageFrom = after, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const frameMs = 512 / 48;
  while (Date.now() < deadline) {
    const levels = (await page.evaluate(() => (window as unknown as { __levels: [number, number][] }).__levels)) as [number, number][];
    let quiet = 0;
    let outage = false;
    let run = 0;
    for (const [t, rms] of levels) {
      if (t < outageFrom) continue;
      const loud = rms > level / 2;
      if (!outage) {
        quiet = loud ? 0 : quiet + frameMs;
        outage = quiet >= 200;
        continue;
      }
      if (t < after) continue;
      run = loud ? run + frameMs : 0;
      if (run >= 100) return t - run - after;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the audio did not drop and come back within a minute');
}

export async function run(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const rounds = Number(args[args.indexOf('--rounds') + 1]) || 3;
  requireNetns();
  const dir = tempDir('bench-recovery');
  const tone = join(dir, 'tone.wav');
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', tone, 'synth', '30', 'sine', '440', 'vol', '0.3']);
  const serverData = tempDir('bench-recovery-server');
  const env = { JANUS_WS_PORT: '8297', SPACES_HOST: '10.99.0.1' };
  let server = await startServerProcess({ port: 8398, dataDir: serverData, env });
  const machine = await TestMachine.create('bco', '10.99.0.4');
  const hostStudio = await startTestStudio(server.url);
  let cohostStudio: ChildProcess | undefined;
  const browsers = await Promise.all([
    launchChromium({ micWav: makeSilenceWav(dir) }),
    launchChromium({ micWav: tone, executablePath: machine.chromiumWrapper() }),
    launchChromium(),
  ]);
  try {
    cohostStudio = spawn('nsenter', [`--net=${machine.ns}`, process.execPath, '--import', 'tsx', 'src/main/headless.ts'], {
      env: { ...process.env, STUDIO_PORT: '5812', STUDIO_DATA_DIR: tempDir('bench-cohost'), STUDIO_SERVER_URL: server.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const cohostUrl = await new Promise<string>((resolve) => {
      let out = '';
      cohostStudio!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:5812\/\?token=\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
    });
    const [host, cohost, listener] = await Promise.all(browsers.map((b) => b.newPage()));
    await host!.goto(hostStudio.url);
    await cohost!.goto(cohostUrl);
    await registerInStudio(host!, 'bench_host', 'Bench Host');
    await host!.getByRole('form', { name: 'Create a Space' }).getByLabel('Title').fill('Recovery bench');
    await host!.getByRole('button', { name: 'Create Space' }).click();
    const link = (await host!.getByTestId('listener-link').textContent())!;
    await host!.getByRole('button', { name: 'Go live' }).click();
    await registerInStudio(cohost!, 'bench_cohost', 'Bench Cohost');
    await cohost!.getByLabel('Join as co-host or producer (link or id)').fill(link);
    await cohost!.getByRole('button', { name: 'Join Space' }).click();
    await host!.locator('li', { hasText: 'Bench Cohost' }).getByRole('button', { name: 'Invite to speak' }).click();
    await cohost!.getByRole('button', { name: 'Accept' }).click();
    await host!.locator('li', { hasText: 'Bench Cohost' }).getByRole('button', { name: 'Make co-host' }).click();
    await cohost!.getByRole('button', { name: 'Join the stage' }).click();
    await listener!.goto(link);
    await listener!.getByRole('button', { name: 'Listen' }).click();
    await listener!.evaluate(LEVEL_JS);
    await new Promise((r) => setTimeout(r, 3000));
    const normal = Number(await listener!.evaluate(() => {
      const l = (window as unknown as { __levels: [number, number][] }).__levels.slice(-100).map((x) => x[1]).sort((a, b) => a - b);
      return l[Math.floor(l.length / 2)] ?? 0;
    }));
    if (!(normal > 0.01)) throw new Error(`the listener does not hear the co-host (level ${normal})`);
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 4000));

    const link_: number[] = [];
    const janus: number[] = [];
    const restart: number[] = [];
    const ready: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const cut = Date.now();
      machine.setLink(false);
      await new Promise((r) => setTimeout(r, 5000));
      machine.setLink(true);
      link_.push(await firstHeard(listener!, Date.now(), normal, cut));
      await settle();

      const pid = Number(readFileSync(join(serverData, 'janus', 'janus.pid'), 'utf8'));
      const killed = Date.now();
      process.kill(pid, 'SIGKILL');
      janus.push(await firstHeard(listener!, killed, normal));
      await settle();

      const at = Date.now();
      server.child.kill('SIGKILL');
      await new Promise((r) => server.child.once('exit', r));
      const again = await startServerProcess({ port: 8398, dataDir: serverData, env });
      ready.push(Date.now() - at);
      server = again;
      restart.push(await firstHeard(listener!, at, normal));
      await settle();
    }
    const result = {
      link_restore_ms: round1(percentile(link_, 50)),
      janus_restart_ms: round1(percentile(janus, 50)),
      server_restart_ms: round1(percentile(restart, 50)),
      rounds,
      link_restore_all_ms: link_.map(Math.round),
      janus_restart_all_ms: janus.map(Math.round),
      server_restart_all_ms: restart.map(Math.round),
      server_ready_all_ms: ready,
      target_ms: 3000,
    };
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      const line = (name: string, p50: number, all: number[]): string =>
        `${name.padEnd(44)} median ${p50} ms  (${all.map(Math.round).join(', ')})  ${p50 <= 3000 ? 'met' : 'MISSED'} (target <= 3000 ms)\n`;
      process.stdout.write(line('link restored after a 5 s cut -> heard', result.link_restore_ms, link_));
      process.stdout.write(line('Janus SIGKILL -> heard', result.janus_restart_ms, janus));
      process.stdout.write(line('Space server SIGKILL + restart -> heard', result.server_restart_ms, restart));
      process.stdout.write(`  (of which the new server process answering: ${ready.join(', ')} ms)\n`);
    }
    return 0;
  } finally {
    await Promise.all(browsers.map((b) => b.close()));
    cohostStudio?.kill('SIGTERM');
    await hostStudio.close();
    await server.stop();
    machine.destroy();
  }
}
