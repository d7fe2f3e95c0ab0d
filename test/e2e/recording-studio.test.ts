import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { join } from 'node:path';
import type { RunningServer } from '../../src/server/app.js';
import { makeSpeechWav } from '../support/audio.js';
import { launchChromium } from '../support/browser.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { createSpaceInStudio, registerInStudio } from '../support/studioPage.js';

/** The Studio's recording switch and indicator, against the real server and a listener page. */
describe('recording from the Studio', () => {
  let server: RunningServer;
  let studio: Awaited<ReturnType<typeof startTestStudio>>;
  let browser: Browser;
  let host: Page;

  beforeAll(async () => {
    requireNetns();
    const wav = makeSpeechWav(join(tempDir('audio'), ''), 'studio_rec', 'Recording from the Studio.');
    server = await startTestServer({ janusWsPort: 8201 });
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

  it('the host turns recording on before going live; the Studio and the listener page show it; Go live starts it', async () => {
    await registerInStudio(host, 'studio_rec_host', 'Host');
    const link = await createSpaceInStudio(host, 'Recorded from the Studio');
    const badge = host.getByTestId('recording-state');
    await expect.poll(() => badge.textContent()).toBe('Not recorded');
    const listener = await (await browser.newContext()).newPage();
    await listener.goto(link);
    await expect.poll(() => listener.locator('#state').textContent()).toBe('Scheduled');
    expect(await listener.locator('#recorded').isVisible()).toBe(false);

    await host.getByRole('button', { name: 'Record this Space' }).click();
    await expect.poll(() => badge.textContent()).toBe('● Will be recorded');
    await expect.poll(() => listener.locator('#recorded').isVisible()).toBe(true);

    await host.getByRole('button', { name: 'Go live' }).click();
    await expect.poll(() => host.getByTestId('space-state').textContent()).toBe('live');
    await expect.poll(() => badge.textContent(), { timeout: 10_000 }).toBe('● Recording');
    const spaceId = link.split('/').at(-1)!;
    await expect.poll(async () => (await fetch(`${server.url}/s/${spaceId}/hls/live.m3u8`)).status, { timeout: 10_000 }).toBe(200);

    await host.getByRole('button', { name: 'Stop recording' }).click();
    await expect.poll(() => badge.textContent()).toBe('Not recorded');
    await expect.poll(() => listener.locator('#recorded').isVisible()).toBe(true); // what was recorded stays (paused)
  });
});
