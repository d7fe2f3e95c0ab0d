import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import type { RunningServer } from '../../src/server/app.js';
import { envelope, makeSpeechWav, readWav, rms, segmentedLoopCorrelation } from '../support/audio.js';
import { launchChromium } from '../support/browser.js';
import { apiClient } from '../support/apiClient.js';
import { joinStageFromPage, recordPlayingEnvelope } from '../support/hostPeer.js';
import { requireNetns, startTestServer, tempDir } from '../support/stack.js';
import { positionOf, type RecordingTimeline } from '../../src/shared/recording.js';

/**
 * A recorded Space, end to end: the host (Chromium, espeak speech as the microphone) turns
 * recording on and goes live; the stage mix is recorded by GStreamer into 1 s HLS segments; a
 * listener in data-saver mode hears the host over HLS; captions arrive; after End the replay page
 * plays the recording and a click on a transcript line plays from that line.
 */
describe('recording, HLS and replay', () => {
  let server: RunningServer;
  let browser: Browser;
  let hostPage: Page;
  let host: SignalingClient;
  let reference: number[];
  let spaceId: string;
  /** The test's own transcript clock: caption times are ms from here. */
  let transcriptZero = 0;
  const posted: { startMs: number; endMs: number; text: string }[] = [];
  const dataDir = tempDir('server');

  beforeAll(async () => {
    requireNetns();
    const wav = makeSpeechWav(join(tempDir('audio'), ''), 'recorded', 'This show is recorded. We talk about podcasts, microphones and the people who make them every week.');
    reference = envelope(readWav(wav));
    server = await startTestServer({ janusWsPort: 8251, segmentSeconds: 1, dataDir });
    browser = await launchChromium({ micWav: wav });
    hostPage = await (await browser.newContext()).newPage();
    await hostPage.goto(`${server.url}/healthz`);
    host = await apiClient(server.url);
    await host.request('auth.register', { handle: 'rec_host', displayName: 'Rec Host', password: 'correct horse battery' });
    spaceId = (await host.request('space.create', { title: 'Recorded show' })).space.id;
    await host.request('space.join', { spaceId });
  });

  afterAll(async () => {
    host?.close();
    await browser?.close();
    await server?.close();
  });

  it('the host turns recording on before going live; everyone sees it; the stage mix becomes segments', async () => {
    const guest = await apiClient(server.url);
    await guest.request('space.join', { spaceId, displayName: 'Guest' });
    await expect(guest.request('recording.set', { spaceId, on: true })).rejects.toMatchObject({ code: 'forbidden' });
    guest.close();
    const { state } = await host.request('recording.set', { spaceId, on: true });
    expect(state).toMatchObject({ on: true, availability: 'armed' });

    const watcher = await (await browser.newContext()).newPage();
    await watcher.goto(`${server.url}/s/${spaceId}`);
    await expect.poll(() => watcher.locator('#recorded').isVisible()).toBe(true);

    await joinStageFromPage(hostPage, host, spaceId);
    transcriptZero = Date.now();
    await expect.poll(async () => (await host.request('recording.get', { spaceId })).state.availability).toBe('recording');
    await expect.poll(async () => (await fetch(`${server.url}/s/${spaceId}/hls/live.m3u8`)).status, { timeout: 10_000 }).toBe(200);
    const live = await fetch(`${server.url}/s/${spaceId}/hls/live.m3u8`);
    expect(live.headers.get('cache-control')).toBe('public, max-age=1');
    const text = await live.text();
    const seg = /^(r\d+-\d{5}\.ts)$/m.exec(text)![1]!;
    const segRes = await fetch(`${server.url}/s/${spaceId}/hls/${seg}`);
    expect(segRes.status).toBe(200);
    expect(segRes.headers.get('cache-control')).toContain('immutable');
    expect(segRes.headers.get('content-type')).toBe('video/mp2t');
    // A name the recording does not list is not served, whatever is on disk.
    expect((await fetch(`${server.url}/s/${spaceId}/hls/r1.m3u8`)).status).toBe(404);
    expect((await fetch(`${server.url}/s/${spaceId}/hls/..%2Fspaces.db`)).status).toBe(404);
    await watcher.close();
  });

  it('a listener in data-saver mode hears the live host over HLS (r >= 0.8) and sees how far behind it is', async () => {
    const ctx = await browser.newContext();
    await ctx.addInitScript(() => localStorage.setItem('spaces.dataSaver', 'on'));
    const listener = await ctx.newPage();
    await listener.goto(`${server.url}/s/${spaceId}`);
    await expect.poll(() => listener.locator('#data-saver').isChecked()).toBe(true);
    await listener.getByRole('button', { name: 'Listen' }).click();
    await expect.poll(async () => Number((await listener.locator('#hls-delay').getAttribute('data-delay-ms')) || NaN), { timeout: 15_000 }).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2000)); // the player settles on its live position (as the WebRTC tests let jitter buffers fill)
    const received = await recordPlayingEnvelope(listener, '#audio', 8000);
    const r = segmentedLoopCorrelation(received, reference);
    const delayMs = Number(await listener.locator('#hls-delay').getAttribute('data-delay-ms'));
    console.info(`HLS listener: envelope r=${r.toFixed(3)} rms=${rms(received).toFixed(4)} delay=${delayMs} ms`);
    expect(rms(received)).toBeGreaterThan(0.01);
    expect(r).toBeGreaterThanOrEqual(0.8);
    expect(await listener.locator('#hls-delay').textContent()).toMatch(/about \d+\.\d s behind live/);
    expect(delayMs).toBeLessThan(10_000);
    await ctx.close();
  });

  it('captions arrive; after End the replay plays the host (r >= 0.8) and a click on a line plays from there (within 1 s)', async () => {
    // Three caption lines at known times of the test's transcript clock, posted as they end.
    for (const text of ['welcome to the recorded show', 'podcasts and microphones', 'see you next week']) {
      await new Promise((r) => setTimeout(r, 2500));
      const endMs = Date.now() - transcriptZero;
      const seg = { id: `s${posted.length}`, startMs: endMs - 2000, endMs, text, final: true, speakerId: null, speakerName: 'Rec Host' };
      posted.push(seg);
      await host.request('caption.post', { spaceId, segment: seg });
    }
    await host.request('space.end', { spaceId });
    await expect.poll(async () => (await host.request('recording.get', { spaceId })).state.availability, { timeout: 10_000 }).toBe('replay');
    const timeline = (await (await fetch(`${server.url}/s/${spaceId}/recording.json`)).json()) as RecordingTimeline;
    expect(timeline.state.durationMs).toBeGreaterThan(10_000);
    expect(timeline.gaps).toEqual([]);
    const replayM3u8 = await (await fetch(`${server.url}/s/${spaceId}/hls/replay.m3u8`)).text();
    expect(replayM3u8).toContain('#EXT-X-ENDLIST');

    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/s/${spaceId}`);
    await expect.poll(() => page.locator('#replay').isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => page.locator('#replay-transcript .line').count()).toBe(3);
    await expect.poll(() => page.locator('#replay-speakers').textContent()).toContain('Rec Host');
    await page.getByRole('button', { name: 'Play replay' }).click();
    await page.waitForFunction(() => (document.getElementById('replay-audio') as HTMLAudioElement).currentTime > 0.3, null, { timeout: 10_000 });
    const received = await recordPlayingEnvelope(page, '#replay-audio', 8000);
    const r = segmentedLoopCorrelation(received, reference);
    console.info(`replay: envelope r=${r.toFixed(3)} rms=${rms(received).toFixed(4)}`);
    expect(r).toBeGreaterThanOrEqual(0.8);

    // 1.5x and 2x change the playback rate.
    await page.getByRole('button', { name: '2x' }).click();
    expect(await page.locator('#replay-audio').evaluate((a: HTMLAudioElement) => a.playbackRate)).toBe(2);
    await page.getByRole('button', { name: '1x' }).click();

    // The line's place on the recording, from the test's own clock (when the words were said).
    const expectedS = positionOf(timeline, transcriptZero + posted[1]!.startMs) / 1000;
    await page.locator('#replay-transcript .line').nth(1).click();
    const at = await page.locator('#replay-audio').evaluate((a: HTMLAudioElement) => ({ t: a.currentTime, paused: a.paused }));
    console.info(`transcript click: expected ${expectedS.toFixed(2)} s, playing at ${at.t.toFixed(2)} s`);
    expect(at.paused).toBe(false);
    expect(Math.abs(at.t - expectedS)).toBeLessThan(1);
    await expect.poll(() => page.locator('#replay-transcript .line').nth(1).getAttribute('aria-current')).toBe('true');

    // Seek with the slider.
    await page.locator('#replay-seek').fill('2');
    expect(Math.abs((await page.locator('#replay-audio').evaluate((a: HTMLAudioElement) => a.currentTime)) - 2)).toBeLessThan(1);
  });

  it('downloads: the host gets both files (with ranges); no token, a listener and another Space\'s host are refused', async () => {
    const listener = await apiClient(server.url);
    const listenerToken = (await listener.request('auth.register', { handle: 'rec_listener', displayName: 'L', password: 'correct horse battery' })).token;
    listener.close();
    const other = await apiClient(server.url);
    const otherToken = (await other.request('auth.register', { handle: 'rec_other', displayName: 'O', password: 'correct horse battery' })).token;
    await other.request('space.create', { title: 'Another show' });
    other.close();
    const hostToken = (await host.request('auth.signIn', { handle: 'rec_host', password: 'correct horse battery' })).token;
    const get = (ext: string, token?: string, range?: string): Promise<Response> =>
      fetch(`${server.url}/s/${spaceId}/recording.${ext}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(range ? { range } : {}) } });
    expect((await get('m4a')).status).toBe(401);
    expect((await get('m4a', listenerToken)).status).toBe(403);
    expect((await get('m4a', otherToken)).status).toBe(403);
    expect((await get('flac', otherToken)).status).toBe(403);
    expect((await get('m4a', 'not-a-real-token-at-all')).status).toBe(401);
    expect((await get('wav', hostToken)).status).toBe(404);
    for (const [ext, type, magic] of [
      ['m4a', 'audio/mp4', 'ftyp'],
      ['flac', 'audio/flac', 'fLaC'],
    ] as const) {
      const full = await get(ext, hostToken);
      expect(full.status).toBe(200);
      expect(full.headers.get('content-type')).toBe(type);
      expect(full.headers.get('content-disposition')).toContain(`space-${spaceId}.${ext}`);
      const body = Buffer.from(await full.arrayBuffer());
      expect(body.subarray(0, 12).toString('latin1')).toContain(magic);
      const part = await get(ext, hostToken, 'bytes=100-199');
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-199/${body.length}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(body.subarray(100, 200))).toBe(true);
    }
    // A plain link carries a download grant for one file, never the session token (issue 18).
    expect((await fetch(`${server.url}/s/${spaceId}/recording.m4a?token=${encodeURIComponent(hostToken)}`)).status).toBe(401);
    const { url } = await host.request('recording.downloadLink', { spaceId, format: 'm4a' });
    expect(url).not.toContain(hostToken);
    expect((await fetch(`${server.url}${url}`)).status).toBe(200);
    const asListener = await apiClient(server.url);
    await asListener.request('auth.signIn', { handle: 'rec_listener', password: 'correct horse battery' });
    await expect(asListener.request('recording.downloadLink', { spaceId, format: 'm4a' })).rejects.toMatchObject({ code: 'forbidden' });
    asListener.close();
  });

  it('clips: the host saves 10 s of the replay; the clip has its own page that plays it; a listener may not clip', async () => {
    const listener = await apiClient(server.url);
    await listener.request('auth.signIn', { handle: 'rec_listener', password: 'correct horse battery' });
    await expect(listener.request('clip.create', { spaceId, durationMs: 10_000, endMs: 12_000 })).rejects.toMatchObject({ code: 'forbidden' });
    listener.close();
    await expect(host.request('clip.create', { spaceId, durationMs: 31_000 })).rejects.toMatchObject({ code: 'bad_message' });
    const { clip, url } = await host.request('clip.create', { spaceId, durationMs: 10_000, endMs: 12_000 });
    expect(clip).toMatchObject({ spaceId, startMs: 2000, durationMs: 10_000, createdBy: '@rec_host' });
    expect(url).toBe(`${server.url}/c/${clip.id}`);
    const page = await (await browser.newContext()).newPage();
    await page.goto(url);
    await expect.poll(() => page.locator('#title').textContent()).toBe('Recorded show');
    await page.getByRole('button', { name: 'Play clip' }).click();
    await page.waitForFunction(() => (document.getElementById('audio') as HTMLAudioElement).currentTime > 0.5, null, { timeout: 10_000 });
    const received = await recordPlayingEnvelope(page, '#audio', 8000);
    const r = segmentedLoopCorrelation(received, reference);
    console.info(`clip: envelope r=${r.toFixed(3)}`);
    expect(r).toBeGreaterThanOrEqual(0.8);
    expect((await fetch(`${server.url}/c/zzzzzzzzzzzz`)).status).toBe(404);

    // Issue 21: the clip's link preview (read without JavaScript), the replay and the clip on the
    // host's page, and the embeddable player playing the replay.
    const preview = await (await fetch(url)).text();
    expect(preview).toContain('<meta property="og:title" content="Clip: Recorded show">');
    expect(preview).toMatch(/<meta property="og:description" content="A 10 s clip from “Recorded show”, hosted by Rec Host \(@rec_host\)">/);
    expect((await fetch(`${server.url}/c/${clip.id}/card.png`)).headers.get('content-type')).toBe('image/png');
    const hostPage = await (await fetch(`${server.url}/u/rec_host`)).text();
    expect(hostPage).toMatch(new RegExp(`id="replays"[\\s\\S]*href="/s/${spaceId}"[\\s\\S]*id="clips"[\\s\\S]*href="/c/${clip.id}"`));
    const embed = await (await browser.newContext()).newPage();
    await embed.goto(`${server.url}/s/${spaceId}/embed`);
    await expect.poll(() => embed.locator('#state').textContent()).toBe('Ended');
    await embed.getByRole('button', { name: 'Listen' }).click();
    await embed.waitForFunction(() => (document.getElementById('audio') as HTMLAudioElement).currentTime > 0.5, null, { timeout: 10_000 });
  });

  it('after the retention period the files and rows are gone and the page says so', async () => {
    const dir = join(dataDir, 'recordings', spaceId);
    expect(existsSync(dir)).toBe(true);
    // 31 days later (the default retention is 30).
    expect(server.recording.sweep(Date.now() + 31 * 86_400_000)).toBe(1);
    await expect.poll(() => existsSync(dir)).toBe(false);
    await expect.poll(async () => (await host.request('recording.get', { spaceId })).state.availability).toBe('expired');
    expect((await fetch(`${server.url}/s/${spaceId}/hls/replay.m3u8`)).status).toBe(404);
    expect((await fetch(`${server.url}/s/${spaceId}/hls/r1-00001.ts`)).status).toBe(404);
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/s/${spaceId}`);
    await expect.poll(() => page.locator('#replay-gone').textContent()).toBe('This recording has expired and was deleted.');
    expect(await page.locator('#replay').isVisible()).toBe(false);
  });
});
