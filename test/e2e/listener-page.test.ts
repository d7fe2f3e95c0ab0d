import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import type { RunningServer } from '../../src/server/app.js';
import { makeSpeechWav } from '../support/audio.js';
import { launchChromium } from '../support/browser.js';
import { apiClient } from '../support/apiClient.js';
import { joinStageFromPage } from '../support/hostPeer.js';
import { requireNetns, startTestServer, tempDir } from '../support/stack.js';

/**
 * Issue 18, items 5, 6 and 10, on the listener page in Chromium as people meet it: a recorded
 * Space (real Janus, the host's espeak voice recorded by GStreamer), then its replay.
 * - every load of the page answers without a 4xx/5xx (the browser's own favicon request included);
 * - "Save the last 30 s as a clip" is offered only to who may clip (host and co-hosts by default),
 *   and appears when a speaker is made co-host, without a reload; the server refuses the others;
 * - on the ended Space's page the host signs in and the Download buttons appear without a reload;
 *   a download goes through a grant for that one file, never the session token in a URL.
 */
const PASSWORD = 'correct horse battery';
const DOCS = resolve(import.meta.dirname, '../../docs/screenshots');

/** Every HTTP answer the page gets, as the browser sees it (CDP: includes the favicon request Playwright hides). */
async function watchResponses(page: Page): Promise<{ status: number; url: string }[]> {
  const seen: { status: number; url: string }[] = [];
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.responseReceived', (e) => seen.push({ status: e.response.status, url: e.response.url }));
  return seen;
}

async function signInOnPage(page: Page, handle: string): Promise<void> {
  await page.locator('#account summary').click();
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('Handle').fill(handle);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.locator('#account-summary').textContent(), { timeout: 15_000 }).toBe(`Signed in as @${handle}`);
}

describe('the listener page: loads cleanly, clips for who may, downloads by grant', () => {
  let server: RunningServer;
  let browser: Browser;
  let hostPage: Page;
  let host: SignalingClient;
  let hostToken: string;
  let listenerAccountId: string;
  let spaceId: string;
  const contexts: BrowserContext[] = [];
  const newPage = async (): Promise<Page> => {
    const ctx = await browser.newContext({ acceptDownloads: true });
    contexts.push(ctx);
    return ctx.newPage();
  };

  beforeAll(async () => {
    requireNetns();
    const wav = makeSpeechWav(join(tempDir('audio'), ''), 'listener-page', 'This show is recorded. We talk about podcasts, microphones and the people who make them.');
    server = await startTestServer({ janusWsPort: 8281, segmentSeconds: 1 });
    browser = await launchChromium({ micWav: wav });
    hostPage = await newPage();
    await hostPage.goto(`${server.url}/healthz`);
    host = await apiClient(server.url);
    hostToken = (await host.request('auth.register', { handle: 'lp_host', displayName: 'LP Host', password: PASSWORD })).token;
    const listener = await apiClient(server.url);
    listenerAccountId = (await listener.request('auth.register', { handle: 'lp_listener', displayName: 'LP Listener', password: PASSWORD })).account.id;
    listener.close();
    spaceId = (await host.request('space.create', { title: 'Page show' })).space.id;
    await host.request('space.join', { spaceId });
    await host.request('recording.set', { spaceId, on: true });
    await joinStageFromPage(hostPage, host, spaceId);
    for (let i = 0; i < 100 && (await host.request('recording.get', { spaceId })).state.availability !== 'recording'; i++) await new Promise((r) => setTimeout(r, 100));
  });

  afterAll(async () => {
    host?.close();
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  it('loading the live page gets no 4xx/5xx answer', async () => {
    const page = await newPage();
    const seen = await watchResponses(page);
    await page.goto(`${server.url}/s/${spaceId}`);
    await expect.poll(() => page.locator('#state').textContent()).toBe('Live');
    // The browser asks for the page's icon after the load: wait for that request too.
    await expect.poll(() => seen.some((r) => /\/favicon\.(svg|ico)$/.test(r.url))).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(seen.filter((r) => r.status >= 400)).toEqual([]);
  });

  it('a signed-in listener is not offered "Save the last 30 s as a clip" and is refused; made co-host, they get it without a reload', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/s/${spaceId}`);
    await expect.poll(() => page.locator('#recorded').isVisible()).toBe(true);
    await signInOnPage(page, 'lp_listener');
    await page.getByRole('button', { name: 'Listen' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Leave' }).isVisible()).toBe(true);
    const clip = page.getByRole('button', { name: 'Save the last 30 s as a clip' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(await clip.isVisible()).toBe(false);
    // The server refuses them too, whatever the page shows.
    const asListener = await apiClient(server.url);
    await asListener.request('auth.signIn', { handle: 'lp_listener', password: PASSWORD });
    await expect(asListener.request('clip.create', { spaceId, durationMs: 5000 })).rejects.toMatchObject({ code: 'forbidden' });
    asListener.close();

    // Invited to speak: a speaker may not clip either (default: host and co-hosts).
    const memberId = `a_${listenerAccountId}` as const;
    await host.request('invite.send', { spaceId, memberId });
    await page.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Leave stage' }).isVisible(), { timeout: 15_000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await clip.isVisible()).toBe(false);
    // Made co-host: the control appears, and works.
    await host.request('cohost.add', { spaceId, memberId });
    await expect.poll(() => clip.isVisible(), { timeout: 10_000 }).toBe(true);
    await clip.click();
    await expect.poll(() => page.locator('#clip-link').textContent(), { timeout: 10_000 }).toMatch(/^Clip saved: http.*\/c\/[a-z0-9]{12}$/);
    await page.screenshot({ path: join(DOCS, 'listener-cohost-clip.png'), fullPage: true });
    // Back to speaker: gone again.
    await host.request('cohost.remove', { spaceId, memberId });
    await expect.poll(() => clip.isVisible(), { timeout: 10_000 }).toBe(false);
    await page.getByRole('button', { name: 'Leave stage' }).click();
  });

  it('the host opens the ended Space, signs in, and gets the downloads without a reload, by a grant for that one file', async () => {
    await host.request('space.end', { spaceId });
    await expect.poll(async () => (await host.request('recording.get', { spaceId })).state.availability, { timeout: 10_000 }).toBe('replay');

    const page = await newPage();
    const seen = await watchResponses(page);
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`${server.url}/s/${spaceId}`);
    await expect.poll(() => page.locator('#replay').isVisible(), { timeout: 10_000 }).toBe(true);
    const m4a = page.getByRole('button', { name: 'Download M4A (AAC)' });
    const flac = page.getByRole('button', { name: 'Download FLAC (lossless)' });
    expect(await m4a.isVisible()).toBe(false);
    // A listener who signs in gets no downloads.
    const other = await newPage();
    await other.goto(`${server.url}/s/${spaceId}`);
    await expect.poll(() => other.locator('#replay').isVisible(), { timeout: 10_000 }).toBe(true);
    await signInOnPage(other, 'lp_listener');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await other.getByRole('button', { name: 'Download M4A (AAC)' }).isVisible()).toBe(false);
    // The co-host role ended with the Space's staff list: this listener was not co-host at End.

    await signInOnPage(page, 'lp_host');
    await expect.poll(() => m4a.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await flac.isVisible()).toBe(true);
    for (const [button, ext, magic] of [
      [m4a, 'm4a', 'ftyp'],
      [flac, 'flac', 'fLaC'],
    ] as const) {
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), button.click()]);
      expect(download.suggestedFilename()).toBe(`space-${spaceId}.${ext}`);
      const url = new URL(download.url());
      expect(url.pathname).toBe(`/s/${spaceId}/recording.${ext}`);
      expect([...url.searchParams.keys()]).toEqual(['grant']);
      const body = readFileSync((await download.path())!);
      expect(body.subarray(0, 12).toString('latin1')).toContain(magic);
      // The grant is for that file only.
      const grant = url.searchParams.get('grant')!;
      const otherExt = ext === 'm4a' ? 'flac' : 'm4a';
      expect((await fetch(`${server.url}/s/${spaceId}/recording.${otherExt}?grant=${encodeURIComponent(grant)}`)).status).toBe(401);
      expect((await fetch(`${server.url}/s/${spaceId}/recording.${ext}?grant=${encodeURIComponent(grant.slice(0, -2))}`)).status).toBe(401);
    }
    // No address the page used carries the session token, and nothing it loaded failed.
    const token = await page.evaluate(() => localStorage.getItem('spaces.session'));
    expect(token).toBeTruthy();
    expect(requested.filter((u) => u.includes(token!) || u.includes(encodeURIComponent(token!)))).toEqual([]);
    expect(seen.filter((r) => r.status >= 400)).toEqual([]);
    // The session token is not accepted in the URL at all.
    expect((await fetch(`${server.url}/s/${spaceId}/recording.m4a?token=${encodeURIComponent(hostToken)}`)).status).toBe(401);
    await page.screenshot({ path: join(DOCS, 'listener-replay-downloads.png'), fullPage: true });
  });
});
