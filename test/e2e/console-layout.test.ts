import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/app.js';
import { makeSilenceWav } from '../support/audio.js';
import { launchChromium } from '../support/browser.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { createSpaceInStudio, registerInStudio, registerOnListenerPage } from '../support/studioPage.js';

/**
 * The live console on one screen (issue 14), in Chromium: live with two speakers, a request
 * waiting and pads, at 1440x900 and 1280x720 the document does not scroll and Go live/End, the
 * mic fader and meter, the pads, the requests and the transcript are inside the viewport.
 * axe-core finds no serious or critical violation on the live Studio or the listener page.
 * Then the same host flow in Italian (locale from the browser): create, go live, approve, end.
 */
const SIZES = [
  { width: 1440, height: 900 },
  { width: 1280, height: 720 },
];
const DOCS = resolve(import.meta.dirname, '../../docs/screenshots');

async function inViewport(page: Page, what: string, el: Locator): Promise<void> {
  const box = await el.boundingBox();
  const vp = page.viewportSize()!;
  expect(box, `${what} is on screen`).not.toBeNull();
  const inside = box!.x >= 0 && box!.y >= 0 && box!.x + box!.width <= vp.width + 0.5 && box!.y + box!.height <= vp.height + 0.5;
  expect(inside, `${what} inside ${vp.width}x${vp.height}: ${JSON.stringify(box)}`).toBe(true);
}

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('the live console on one screen', () => {
  let server: RunningServer;
  let studio: Awaited<ReturnType<typeof startTestStudio>>;
  let studioIt: Awaited<ReturnType<typeof startTestStudio>>;
  const browsers: Browser[] = [];
  let hostCtx: BrowserContext;
  let host: Page;
  let audience: Browser;
  let clip = '';

  beforeAll(async () => {
    requireNetns();
    const dir = tempDir('console-layout');
    clip = join(dir, 'jingle.wav');
    execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', clip, 'synth', '0.5', 'sine', '440', 'vol', '0.3']);
    server = await startTestServer({ janusWsPort: 8251 });
    [studio, studioIt] = await Promise.all([startTestStudio(server.url), startTestStudio(server.url)]);
    const silence = makeSilenceWav(dir);
    const [hostBrowser, audienceBrowser] = await Promise.all([launchChromium({ micWav: silence }), launchChromium({ micWav: silence })]);
    browsers.push(hostBrowser!, audienceBrowser!);
    audience = audienceBrowser!;
    hostCtx = await hostBrowser!.newContext({ viewport: SIZES[0], locale: 'en-US' });
    host = await hostCtx.newPage();
    host.on('pageerror', (e) => console.info(`studio page error: ${e.message}`));
    await host.goto(studio.url);
  });
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await studio?.close();
    await studioIt?.close();
    await server?.close();
  });

  /** A listener page that signs up and asks to speak; returns it. */
  async function requester(link: string, handle: string, name: string, locale = 'en-US'): Promise<Page> {
    const page = await (await audience.newContext({ locale })).newPage();
    await page.goto(link);
    await registerOnListenerPage(page, handle, name);
    await page.locator('#listen').click();
    await page.locator('#request').click();
    return page;
  }

  it('live with two speakers, a request and pads: nothing scrolls, everything that matters is in view', async () => {
    await registerInStudio(host, 'layout_host', 'Lola Layout');
    await host.getByLabel('Import clip').setInputFiles(clip);
    await expect.poll(() => host.getByTestId('pad-jingle').count()).toBe(1);
    const link = await createSpaceInStudio(host, 'Layout check');
    await host.getByRole('button', { name: 'Go live' }).click();
    await expect.poll(() => host.getByTestId('space-state').textContent(), { timeout: 15_000 }).toBe('live');
    const speaker = await requester(link, 'layout_speaker', 'Sid Speaker');
    await expect.poll(() => host.locator('[data-testid^="request-"]').count()).toBe(1);
    await host.locator('[data-testid^="request-"]').getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => speaker.getByText("You're on stage.").isVisible(), { timeout: 15_000 }).toBe(true);
    await requester(link, 'layout_asker', 'Ada Asker');
    await expect.poll(() => host.locator('[data-testid^="request-"]').count()).toBe(1);
    await expect.poll(() => host.getByRole('list', { name: 'Stage' }).getByRole('listitem').count()).toBe(2);
    // Reactions are drawn with the Studio's own glyphs (this Chromium has no emoji font).
    const clap = (await host.getByRole('button', { name: 'React 👏' }).locator('svg').boundingBox())!;
    expect(clap.width).toBeGreaterThan(10);

    for (const size of SIZES) {
      await host.setViewportSize(size);
      await host.waitForTimeout(300);
      const doc = await host.evaluate(() => ({ h: document.documentElement.scrollHeight, w: document.documentElement.scrollWidth, vh: innerHeight, vw: innerWidth }));
      expect(doc.h, `document height at ${size.width}x${size.height}`).toBeLessThanOrEqual(doc.vh);
      expect(doc.w, `document width at ${size.width}x${size.height}`).toBeLessThanOrEqual(doc.vw);
      await inViewport(host, 'End', host.getByRole('button', { name: 'End', exact: true }));
      await inViewport(host, 'mic fader', host.getByRole('region', { name: 'Input strip' }).getByRole('slider', { name: 'Gain', exact: true }));
      await inViewport(host, 'mic meter', host.getByRole('region', { name: 'Input strip' }).getByRole('meter'));
      await inViewport(host, 'pad', host.getByRole('button', { name: 'Play jingle' }));
      await inViewport(host, 'request', host.locator('[data-testid^="request-"]'));
      await inViewport(host, 'approve', host.locator('[data-testid^="request-"]').getByRole('button', { name: 'Approve' }));
      await inViewport(host, 'transcript', host.getByTestId('transcript-lines'));
      await host.screenshot({ path: join(DOCS, `studio-live-${size.width}x${size.height}.png`) });
    }
  });

  it('axe-core: no serious or critical violation on the live Studio and the listener page', async () => {
    await host.setViewportSize(SIZES[0]!);
    expect(await seriousViolations(host)).toEqual([]);
    const link = (await host.getByTestId('listener-link').textContent())!;
    const page = await (await audience.newContext({ locale: 'en-US' })).newPage();
    await page.goto(link);
    await expect.poll(() => page.locator('#state').textContent()).toBe('Live');
    expect(await seriousViolations(page)).toEqual([]);
    await page.locator('#listen').click();
    await expect.poll(() => page.locator('#reactions').isVisible()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await host.getByRole('button', { name: 'End', exact: true }).click();
    await expect.poll(() => page.locator('#state').textContent(), { timeout: 10_000 }).toBe('Ended');
  });

  it('in Italian (the browser says it-IT): create, go live, approve a request, end', async () => {
    const ctx = await browsers[0]!.newContext({ viewport: SIZES[1], locale: 'it-IT' });
    const it = await ctx.newPage();
    await it.goto(studioIt.url);
    expect(await it.getAttribute('html', 'lang')).toBe('it');
    await expect.poll(() => it.getByTestId('connection-status').textContent(), { timeout: 15_000 }).toBe('connesso');
    const form = it.getByRole('form', { name: 'Registrati' });
    await form.getByLabel('Nome utente').fill('italo_host');
    await form.getByLabel('Nome visualizzato').fill('Italo Conduttore');
    await form.getByLabel('Password').fill('correct horse battery');
    await form.getByRole('button', { name: 'Registrati' }).click();
    await expect.poll(() => it.getByRole('button', { name: 'Esci' }).count(), { timeout: 15_000 }).toBe(1);
    await it.getByRole('form', { name: 'Crea uno Space' }).getByLabel('Titolo').fill('Chiacchiere in diretta');
    await it.getByRole('button', { name: 'Crea Space' }).click();
    await expect.poll(() => it.getByTestId('space-state').textContent()).toBe('programmato');
    const link = (await it.getByTestId('listener-link').textContent())!;
    await it.getByRole('button', { name: 'Vai in diretta' }).click();
    await expect.poll(() => it.getByTestId('space-state').textContent(), { timeout: 15_000 }).toBe('in diretta');
    // The listener page speaks Italian to an Italian browser.
    const fanIt = await (await audience.newContext({ locale: 'it-IT' })).newPage();
    await fanIt.goto(link);
    await expect.poll(() => fanIt.locator('#state').textContent()).toBe('In diretta');
    expect(await fanIt.locator('#listen').textContent()).toBe('Ascolta');
    expect(await fanIt.getAttribute('html', 'lang')).toBe('it');
    const fan = await requester(link, 'fan_italiano', 'Francesca');
    await expect.poll(() => it.locator('[data-testid^="request-"]').count()).toBe(1);
    expect(await it.getByRole('list', { name: 'Richieste' }).textContent()).toContain('Francesca');
    await it.locator('[data-testid^="request-"]').getByRole('button', { name: 'Approva' }).click();
    await expect.poll(() => it.getByRole('list', { name: 'Palco' }).getByRole('listitem').count(), { timeout: 15_000 }).toBe(2);
    await expect.poll(() => fan.locator('#speaker').isVisible()).toBe(true);
    await it.screenshot({ path: join(DOCS, 'studio-live-it-1280x720.png') });
    await it.getByRole('button', { name: 'Termina', exact: true }).click();
    await expect.poll(() => it.getByText('«Chiacchiere in diretta» è terminato.').count()).toBe(1);
    await expect.poll(() => fan.locator('#state').getAttribute('data-state'), { timeout: 10_000 }).toBe('ended');
    await ctx.close();
  });
});
