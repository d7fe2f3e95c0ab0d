import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { join } from 'node:path';
import type { RunningServer } from '../../src/server/app.js';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import { registerOnListenerPage } from '../support/studioPage.js';
import { makeSpeechWav } from '../support/audio.js';
import { launchChromium } from '../support/browser.js';
import { apiClient } from '../support/apiClient.js';
import { joinStageFromPage } from '../support/hostPeer.js';
import { hlsClient, startNginxCache, type NginxCache } from '../support/nginxCache.js';
import { requireNetns, startTestServer, tempDir } from '../support/stack.js';

const CLIENTS = 200;

/**
 * The HLS audience tier behind an HTTP cache: nginx (Debian) in front of the Space server as a
 * CDN edge would be. 200 HLS clients follow the live playlist and fetch every segment through it;
 * the origin sees about one request per segment.
 */
describe('a live Space over HLS through nginx', () => {
  let server: RunningServer;
  let nginx: NginxCache;
  let browser: Browser;
  let host: SignalingClient;
  let spaceId: string;

  beforeAll(async () => {
    requireNetns();
    const wav = makeSpeechWav(join(tempDir('audio'), ''), 'cdn', 'Many listeners, one origin. The cache carries the audience.');
    server = await startTestServer({ janusWsPort: 8253, segmentSeconds: 1 });
    nginx = await startNginxCache({ dir: tempDir('nginx'), port: 18240, origin: server.url });
    browser = await launchChromium({ micWav: wav });
  });
  afterAll(async () => {
    host?.close();
    await nginx?.stop();
    await browser?.close();
    await server?.close();
  });

  it(`${CLIENTS} clients get every segment; the origin serves each segment about once`, async () => {
    host = await apiClient(server.url);
    await host.request('auth.register', { handle: 'cdn_host', displayName: 'CDN Host', password: 'correct horse battery' });
    spaceId = (await host.request('space.create', { title: 'Big audience' })).space.id;
    await host.request('space.join', { spaceId });
    await host.request('recording.set', { spaceId, on: true });
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/healthz`);
    await joinStageFromPage(page, host, spaceId);
    await expect.poll(async () => (await fetch(`${nginx.url}/s/${spaceId}/hls/live.m3u8`)).status, { timeout: 10_000 }).toBe(200);

    const until = Date.now() + 15_000;
    const results = await Promise.all(Array.from({ length: CLIENTS }, () => hlsClient(`${nginx.url}/s/${spaceId}/hls/live.m3u8`, until)));

    const errors = results.reduce((n, r) => n + r.errors, 0);
    const perClient = results.map((r) => r.segments.size);
    const log = nginx.log().filter((e) => e.path.startsWith(`/s/${spaceId}/hls/`));
    const segmentLog = log.filter((e) => e.path.endsWith('.ts'));
    const distinct = new Set(segmentLog.map((e) => e.path));
    const toOrigin = segmentLog.filter((e) => e.upstream).length;
    const playlistToOrigin = log.filter((e) => e.path.endsWith('live.m3u8') && e.upstream).length;
    const perSegment = toOrigin / distinct.size;
    console.info(
      `${CLIENTS} clients: ${segmentLog.length} segment requests for ${distinct.size} segments, ${toOrigin} reached the origin (${perSegment.toFixed(3)} per segment); ` +
        `playlist: ${log.length - segmentLog.length} requests, ${playlistToOrigin} to the origin; segments per client min ${Math.min(...perClient)}; errors ${errors}`,
    );
    expect(errors).toBe(0);
    // Everyone followed the live edge for 15 s of 1 s segments.
    expect(Math.min(...perClient)).toBeGreaterThanOrEqual(10);
    expect(segmentLog.length).toBeGreaterThanOrEqual(CLIENTS * 10);
    expect(perSegment).toBeLessThanOrEqual(1.05);
    // The playlist lives one second in the cache: about one origin request per second, not per client.
    expect(playlistToOrigin).toBeLessThan(40);
    const seg = [...distinct][0]!;
    const res = await fetch(`${nginx.url}${seg}`);
    expect(res.headers.get('cache-control')).toContain('immutable');
  });

  it('a listener invited to speak is told the Space is recorded before joining the stage; the host deletes the recording', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/s/${spaceId}`);
    await expect.poll(() => page.locator('#recorded').isVisible()).toBe(true);
    await registerOnListenerPage(page, 'cdn_guest', 'Guest');
    await page.getByRole('button', { name: 'Listen' }).click();
    const { roster } = await host.request('space.join', { spaceId });
    await expect.poll(async () => (await host.request('space.join', { spaceId })).roster.audience.some((m) => m.handle === 'cdn_guest')).toBe(true);
    const guest = (await host.request('space.join', { spaceId })).roster.audience.find((m) => m.handle === 'cdn_guest')!;
    expect(roster.spaceId).toBe(spaceId);
    await host.request('invite.send', { spaceId, memberId: guest.id });
    await expect.poll(() => page.locator('#invite').isVisible()).toBe(true);
    // The warning is inside the invitation, above Accept.
    expect(await page.locator('#invite #invite-recorded').isVisible()).toBe(true);
    expect(await page.locator('#invite-recorded').textContent()).toContain('This Space is recorded');

    const listener = await apiClient(server.url);
    await listener.request('space.join', { spaceId, displayName: 'Anyone' });
    await expect(listener.request('recording.delete', { spaceId })).rejects.toMatchObject({ code: 'forbidden' });
    listener.close();
    await host.request('recording.delete', { spaceId });
    await expect.poll(async () => (await host.request('recording.get', { spaceId })).state.availability, { timeout: 10_000 }).toBe('deleted');
    expect((await fetch(`${server.url}/s/${spaceId}/hls/live.m3u8`)).status).toBe(404);
    await expect.poll(() => page.locator('#recorded').isVisible()).toBe(false);
  });
});
