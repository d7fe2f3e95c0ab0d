import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { join } from 'node:path';
import { envelope, segmentedLoopCorrelation, makeSpeechWav, readWav, rms } from '../support/audio.js';
import { launchChromium, recordElementEnvelope } from '../support/browser.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { createSpaceInStudio, registerInStudio } from '../support/studioPage.js';
import type { RunningServer } from '../../src/server/app.js';

/**
 * The walking skeleton, end to end: espeak speech is the Studio's microphone; the host creates a
 * Space and goes live from the Studio renderer (bridged to the real main-process services); a
 * listener opens /s/<id> in Chromium and hears the host through Janus (AudioBridge -> RTP forward
 * -> Streaming). Every part is real; only the Electron window is replaced by a browser tab.
 */
const SILENCE_RMS = 0.003; // about -50 dBFS

describe('a live Space from the Studio to a listener', () => {
  let server: RunningServer;
  let studio: Awaited<ReturnType<typeof startTestStudio>>;
  let browser: Browser;
  let host: Page;
  let listener: Page;
  let reference: number[];
  let listenerUrl: string;

  beforeAll(async () => {
    requireNetns();
    const wav = makeSpeechWav(join(tempDir('audio'), ''), 'host', 'Welcome to the show. Today we talk about live audio, microphones and the people who love them.');
    reference = envelope(readWav(wav));
    server = await startTestServer();
    studio = await startTestStudio(server.url);
    browser = await launchChromium({ micWav: wav });
    host = await (await browser.newContext()).newPage();
    await host.goto(studio.url);
  });

  afterAll(async () => {
    await browser?.close();
    await studio?.close();
    await server?.close();
  });

  async function listenerHears(ms = 6000): Promise<{ r: number; level: number }> {
    const received = await recordElementEnvelope(listener, '#audio', ms);
    const heard = { r: segmentedLoopCorrelation(received, reference), level: rms(received) };
    console.info(`listener: envelope r=${heard.r.toFixed(3)} rms=${heard.level.toFixed(4)}`);
    return heard;
  }

  it('the host connects, signs up, creates a Space and sees the microphone level', async () => {
    // The Studio connects to its server by itself (the local one by default).
    await registerInStudio(host, 'skeleton_host', 'Host');
    // The device list is labelled; the fake capture device is one of them (in the mic strip's input settings).
    await host.getByRole('region', { name: 'Input strip' }).getByRole('button', { name: 'Input settings' }).click();
    await expect.poll(async () => (await host.getByLabel('Microphone').locator('option').allTextContents()).length).toBeGreaterThan(1);
    await host.getByRole('dialog', { name: 'Input settings' }).getByRole('button', { name: 'Close' }).click();
    listenerUrl = await createSpaceInStudio(host, 'Skeleton show');
    await expect.poll(async () => Number(await host.getByRole('region', { name: 'Input strip' }).getByRole('meter').getAttribute('data-peak-db')), { timeout: 10_000 }).toBeGreaterThan(-40);
    expect(listenerUrl).toMatch(/\/s\/[a-z0-9]{10}$/);
  });

  it('before Go live the listener sees the Space scheduled and hears silence', async () => {
    listener = await (await browser.newContext()).newPage();
    await listener.goto(listenerUrl);
    await expect.poll(() => listener.locator('#title').textContent()).toBe('Skeleton show');
    await expect.poll(() => listener.locator('#host').textContent()).toBe('Host');
    await expect.poll(() => listener.locator('#state').textContent()).toBe('Scheduled');
    await listener.getByRole('button', { name: 'Listen' }).click();
    await expect.poll(() => listener.locator('#notice').textContent()).toContain('Waiting for the host');
    await expect.poll(() => listener.locator('#listeners').textContent()).toBe('1');
    const { level } = await listenerHears(2000);
    expect(level).toBeLessThan(SILENCE_RMS);
  });

  it('after Go live the listener hears the host (envelope correlation >= 0.8)', async () => {
    await host.getByRole('button', { name: 'Go live' }).click();
    await expect.poll(() => host.getByTestId('space-state').textContent()).toBe('live');
    await expect.poll(() => listener.locator('#state').textContent()).toBe('Live');
    await expect.poll(() => host.getByTestId('listener-count').textContent()).toBe('1 listening');
    await new Promise((r) => setTimeout(r, 1000)); // let the jitter buffers fill
    const heard = await listenerHears();
    expect(heard.level).toBeGreaterThan(SILENCE_RMS * 3);
    expect(heard.r).toBeGreaterThanOrEqual(0.8);
  });

  it('Janus killed with SIGKILL: the server restarts it and the listener hears the host again without reloading', async () => {
    const oldPid = server.janus!.pid!;
    const navigations: string[] = [];
    listener.on('framenavigated', (f) => navigations.push(f.url()));
    process.kill(oldPid, 'SIGKILL');
    await expect.poll(() => server.janus!.pid !== undefined && server.janus!.pid !== oldPid, { timeout: 10_000 }).toBe(true);
    await expect.poll(() => server.media.isUp, { timeout: 10_000 }).toBe(true);
    // The Studio re-joins the stage and the page re-negotiates by itself; poll until speech is back.
    await expect
      .poll(async () => (await listenerHears(4000)).r, { timeout: 30_000, interval: 500 })
      .toBeGreaterThanOrEqual(0.8);
    expect(navigations).toEqual([]);
    await expect.poll(() => listener.locator('#state').textContent()).toBe('Live');
  });

  it('after End the listener page says the Space has ended and plays silence', async () => {
    await host.getByRole('button', { name: 'End', exact: true }).click();
    await expect.poll(() => listener.locator('#state').textContent()).toBe('Ended');
    await expect.poll(() => listener.locator('#notice').textContent()).toContain('This Space has ended');
    expect(await listener.getByRole('button', { name: 'Listen' }).isDisabled()).toBe(true);
    const { level } = await listenerHears(1500);
    expect(level).toBeLessThan(SILENCE_RMS);
    await expect.poll(() => host.getByText('has ended').count()).toBe(1);
  });

  it('an unknown Space id gets a clear page, not a blank one', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${server.url}/s/zzzzzzzzzz`);
    expect(res?.status()).toBe(404);
    await expect.poll(() => page.locator('h1').textContent()).toBe('This Space does not exist');
    const bad = await page.goto(`${server.url}/s/..%2F..%2Fetc`);
    expect(bad?.status()).toBe(404);
  });
});
