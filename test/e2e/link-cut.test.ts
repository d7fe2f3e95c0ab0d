import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/app.js';
import { envelope, makeSilenceWav, makeSpeechWav, readWav, rms, segmentedLoopCorrelation } from '../support/audio.js';
import { launchChromium, recordElementEnvelope } from '../support/browser.js';
import { TestMachine } from '../support/netns.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { createSpaceInStudio, registerInStudio } from '../support/studioPage.js';

/**
 * Three machines: the server (with the host and the listener) and a co-host on a machine of its
 * own, a network namespace joined by a veth pair. The co-host's whole Studio (its main-process
 * services and its window) runs on that machine. Its network cable is pulled for 5 s: the Studio
 * reconnects by itself (signaling and a fresh ICE negotiation) and the listener hears the co-host
 * again, with nobody clicking anything.
 */
describe("the co-host's link drops for 5 seconds", () => {
  let server: RunningServer;
  let hostStudio: Awaited<ReturnType<typeof startTestStudio>>;
  let machine: TestMachine;
  let cohostStudio: ChildProcess;
  const browsers: Browser[] = [];
  let host: Page;
  let cohost: Page;
  let listener: Page;
  let voice: number[];
  let link = '';

  beforeAll(async () => {
    requireNetns();
    const dir = tempDir('link-cut');
    const voiceWav = makeSpeechWav(dir, 'cohost', 'Hello from the co-host machine. If you can hear me, the link is up again.');
    voice = envelope(readWav(voiceWav));
    server = await startTestServer({ janusWsPort: 8199, host: '10.99.0.1' });
    hostStudio = await startTestStudio(server.url);
    machine = await TestMachine.create('co', '10.99.0.3');
    // The co-host's Studio services run on the co-host's machine.
    cohostStudio = spawn('nsenter', [`--net=${machine.ns}`, process.execPath, '--import', 'tsx', 'src/main/headless.ts'], {
      env: { ...process.env, STUDIO_PORT: '5811', STUDIO_DATA_DIR: tempDir('cohost-studio'), STUDIO_SERVER_URL: server.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const studioUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      cohostStudio.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:5811\/\?token=\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      cohostStudio.once('exit', () => reject(new Error('the co-host Studio exited')));
    });
    const [h, c, l] = await Promise.all([
      launchChromium({ micWav: makeSilenceWav(dir) }),
      launchChromium({ micWav: voiceWav, executablePath: machine.chromiumWrapper() }),
      launchChromium(),
    ]);
    browsers.push(h!, c!, l!);
    host = await h!.newPage();
    cohost = await c!.newPage();
    listener = await l!.newPage();
    await host.goto(hostStudio.url);
    await cohost.goto(studioUrl);
  });
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    cohostStudio?.kill('SIGTERM');
    await hostStudio?.close();
    await server?.close();
    machine?.destroy();
  });

  const heard = async (ms = 3000): Promise<number> => {
    const env = await recordElementEnvelope(listener, '#audio', ms);
    const r = segmentedLoopCorrelation(env, voice);
    console.info(`listener: r=${r.toFixed(3)} rms=${rms(env).toFixed(4)}`);
    return r;
  };

  it('the co-host, on another machine, is on stage and heard', async () => {
    await registerInStudio(host, 'net_host', 'Net Host');
    link = await createSpaceInStudio(host, 'Across the network');
    await host.getByRole('button', { name: 'Go live' }).click();
    await registerInStudio(cohost, 'net_cohost', 'Remote Cohost');
    await cohost.getByLabel('Join as co-host or producer (link or id)').fill(link);
    await cohost.getByRole('button', { name: 'Join Space' }).click();
    await host.locator('li', { hasText: 'Remote Cohost' }).getByRole('button', { name: 'Invite to speak' }).click();
    await cohost.getByRole('button', { name: 'Accept' }).click();
    await host.locator('li', { hasText: 'Remote Cohost' }).getByRole('button', { name: 'Make co-host' }).click();
    await cohost.getByRole('button', { name: 'Join the stage' }).click();
    await listener.goto(link);
    await listener.getByRole('button', { name: 'Listen' }).click();
    await expect.poll(() => heard(), { timeout: 30_000, interval: 300 }).toBeGreaterThanOrEqual(0.8);
  });

  it('5 s without a network: back on stage and heard, without a click', async () => {
    let clicks = 0;
    await cohost.exposeFunction('__countClick', () => clicks++);
    await cohost.evaluate(() => document.addEventListener('click', () => (window as unknown as { __countClick: () => void }).__countClick(), true));
    machine.setLink(false);
    const cutAt = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    // The cut is real: the listener hears nothing from the co-host.
    const during = await recordElementEnvelope(listener, '#audio', 2500);
    expect(rms(during)).toBeLessThan(0.003);
    await new Promise((r) => setTimeout(r, Math.max(0, 5000 - (Date.now() - cutAt))));
    machine.setLink(true);
    const restoredAt = Date.now();
    await expect.poll(() => heard(2000), { timeout: 45_000, interval: 100 }).toBeGreaterThanOrEqual(0.8);
    console.info(`co-host heard again ${Date.now() - restoredAt} ms after the link came back`);
    expect(clicks).toBe(0);
    await expect.poll(() => cohost.getByTestId('connection-status').textContent()).toBe('connected');
    await expect.poll(() => cohost.getByTestId('my-role').textContent()).toContain('co-host');
  });
});
