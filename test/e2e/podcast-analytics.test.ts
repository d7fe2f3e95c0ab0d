import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunningServer } from '../../src/server/app.js';
import type { SpaceAnalytics } from '../../src/shared/analytics.js';
import { makeSpeechWav } from '../support/audio.js';
import { launchChromium } from '../support/browser.js';
import { apiClient } from '../support/apiClient.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { createSpaceInStudio, registerInStudio } from '../support/studioPage.js';
import { parseWithPodcastparser } from '../support/podcastFeed.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Listener {
  name: string;
  via: 'webrtc' | 'hls';
  ctx: BrowserContext;
  page: Page;
  joinedAt: number;
  leftAt?: number;
}

/**
 * What the host learns (issue 22): a Space hosted from the Studio with 3 WebRTC listeners and 2
 * HLS (data saver) listeners joining and leaving at times the test keeps, then one replay play.
 * The server's counts, minutes and per-minute curve match what happened; the Studio shows them
 * after End (Past Spaces: figures, chart, tables, CSV), in English and Italian.
 */
describe('listener analytics', () => {
  let server: RunningServer;
  let studio: Awaited<ReturnType<typeof startTestStudio>>;
  let browser: Browser;
  let host: Page;
  let link: string;
  let spaceId: string;
  let liveAt = 0;
  let endedAt = 0;
  let replayMs = 0;
  const listeners: Listener[] = [];

  beforeAll(async () => {
    requireNetns();
    const wav = makeSpeechWav(join(tempDir('audio'), ''), 'analytics', 'Hello listeners. This is a show about who listens, and for how long.');
    server = await startTestServer({ janusWsPort: 8271, segmentSeconds: 1 });
    studio = await startTestStudio(server.url);
    browser = await launchChromium({ micWav: wav });
    host = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true })).newPage();
    await host.goto(studio.url);
  });
  afterAll(async () => {
    await browser?.close();
    await studio?.close();
    await server?.close();
  });

  const listen = async (name: string, via: Listener['via']): Promise<void> => {
    const ctx = await browser.newContext();
    if (via === 'hls') await ctx.addInitScript(() => localStorage.setItem('spaces.dataSaver', 'on'));
    const page = await ctx.newPage();
    await page.goto(link);
    await page.getByRole('button', { name: 'Listen' }).click();
    // Listening = the page's audio is playing (WebRTC answered, or the HLS player started).
    await page.waitForFunction(() => {
      const a = document.getElementById('audio') as HTMLAudioElement;
      return !a.paused && a.currentTime > 0;
    }, null, { timeout: 20_000 });
    listeners.push({ name, via, ctx, page, joinedAt: Date.now() });
  };
  const leave = async (name: string): Promise<void> => {
    const l = listeners.find((x) => x.name === name)!;
    await l.page.close({ runBeforeUnload: true });
    l.leftAt = Date.now();
    await l.ctx.close();
  };
  /** Waits until `ms` after the Space went live (the schedule the test keeps). */
  const at = async (ms: number): Promise<void> => sleep(Math.max(0, liveAt + ms - Date.now()));

  it('a Space from the Studio: 3 WebRTC and 2 HLS listeners join and leave at known times; a reaction; the host marks a chapter', async () => {
    await registerInStudio(host, 'ana_host', 'Ana Host');
    link = await createSpaceInStudio(host, 'Who listened');
    spaceId = link.split('/').at(-1)!;
    await host.getByRole('button', { name: 'Record this Space' }).click();
    await host.getByRole('button', { name: 'Go live' }).click();
    await expect.poll(() => host.getByTestId('space-state').textContent(), { timeout: 15_000 }).toBe('live');
    liveAt = (await (await fetch(`${server.url}/api/spaces/${spaceId}`)).json() as { space: { startedAt: number } }).space.startedAt;
    await expect.poll(async () => (await fetch(`${server.url}/s/${spaceId}/hls/live.m3u8`)).status, { timeout: 15_000 }).toBe(200);

    await listen('A', 'webrtc');
    await listen('D', 'hls');
    await listen('B', 'webrtc');
    await listen('E', 'hls');
    await listen('C', 'webrtc');
    await listeners[0]!.page.locator('#reactions button').first().click();
    const desk = host.getByRole('region', { name: 'Producer desk' });
    const mark = desk.getByRole('form', { name: 'Chapters' });
    await mark.getByLabel('Chapter title (optional)').fill('Opening');
    await mark.getByRole('button', { name: 'Mark chapter' }).click();
    await expect.poll(() => desk.getByRole('status').textContent()).toBe('Chapter marked: Opening');
    await at(35_000);
    await leave('B');
    await at(40_000);
    await leave('E');
    await at(75_000); // the second minute: A, C, D stay to the end
    await host.getByRole('button', { name: 'End', exact: true }).click();
    await expect.poll(() => host.getByText('has ended').count(), { timeout: 15_000 }).toBe(1);
    endedAt = (await (await fetch(`${server.url}/api/spaces/${spaceId}`)).json() as { space: { endedAt: number } }).space.endedAt;
    for (const l of listeners) if (!l.leftAt) l.leftAt = endedAt;
    for (const l of listeners) await l.ctx.close().catch(() => undefined);
    await expect.poll(async () => (await fetch(`${server.url}/s/${spaceId}/recording.json`).then((r) => r.json() as Promise<{ state: { availability: string } }>)).state.availability, { timeout: 15_000 }).toBe('replay');
  }, 240_000);

  it('one replay play after End (about 6 s of it)', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(link);
    await expect.poll(() => page.locator('#replay').isVisible(), { timeout: 10_000 }).toBe(true);
    await page.getByRole('button', { name: 'Play replay' }).click();
    await page.waitForFunction(() => (document.getElementById('replay-audio') as HTMLAudioElement).currentTime > 0.2, null, { timeout: 10_000 });
    const started = Date.now();
    await sleep(6000);
    await page.close({ runBeforeUnload: true });
    replayMs = Date.now() - started;
    await ctx.close();
  });

  it("the server's figures match what happened: counts, minutes, the per-minute curve", async () => {
    const hostApi = await apiClient(server.url);
    await hostApi.request('auth.signIn', { handle: 'ana_host', password: 'correct horse battery' });
    let a!: SpaceAnalytics;
    await expect
      .poll(async () => ((a = (await hostApi.request('analytics.get', { spaceId })).analytics), a.replay.plays), { timeout: 10_000 })
      .toBe(1);
    hostApi.close();
    const minutesOf = (via: string): number => listeners.filter((l) => l.via === via).reduce((n, l) => n + (l.leftAt! - l.joinedAt), 0) / 60_000;
    console.info(`analytics: ${JSON.stringify({ ...a, curve: a.curve })}`);
    console.info(`test clocks: webrtc ${minutesOf('webrtc').toFixed(3)} min, hls ${minutesOf('hls').toFixed(3)} min, replay ${(replayMs / 60_000).toFixed(3)} min`);
    expect(a.byVia.webrtc.sessions).toBe(3);
    expect(a.byVia.webrtc.listeners).toBe(3);
    expect(a.byVia.hls.sessions).toBe(2);
    expect(a.byVia.hls.listeners).toBe(2);
    expect(a.byVia.replay.sessions).toBe(1);
    expect(a.byVia.clip.sessions).toBe(0);
    expect(a.peakListeners).toBe(5);
    expect(a.uniqueListeners).toBe(6);
    expect(a.reactions).toBe(1);
    // Minutes: each session within 2 s of the test's own clocks (the page reports after audio plays).
    expect(Math.abs(a.byVia.webrtc.minutes - minutesOf('webrtc'))).toBeLessThan((3 * 2) / 60);
    expect(Math.abs(a.byVia.hls.minutes - minutesOf('hls'))).toBeLessThan((2 * 3) / 60);
    expect(Math.abs(a.byVia.replay.minutes - replayMs / 60_000)).toBeLessThan(2 / 60);
    expect(a.averageListeners).toBeCloseTo((minutesOf('webrtc') + minutesOf('hls')) / ((endedAt - liveAt) / 60_000), 1);
    // The curve: all five joined in minute 0; B and E left in minute 0 (35 s, 40 s); A, C, D at the end (minute 1).
    expect(a.curve).toEqual([
      { minute: 0, joins: 5, leaves: 2, listening: 3 },
      { minute: 1, joins: 0, leaves: 3, listening: 0 },
    ]);
    expect(a.speakers.map((s) => s.name)).toEqual(['Ana Host']);
    expect(a.speakers[0]!.talkMs).toBeGreaterThan(5000);
  });

  it('the Studio shows them after End (figures, chart, tables) and as CSV; the host renames the chapter and publishes', async () => {
    await host.getByRole('button', { name: 'Chapters, show notes, publishing and listeners' }).click();
    await expect.poll(() => host.getByRole('tab', { name: 'Past Spaces' }).getAttribute('aria-selected')).toBe('true');
    const figures = host.getByRole('table', { name: 'Listeners' });
    const value = (label: string) => figures.getByRole('row', { name: new RegExp(`^${label}`) }).getByRole('cell').textContent();
    await expect.poll(() => value('Peak listeners'), { timeout: 10_000 }).toBe('5');
    expect(await value('Unique listeners')).toBe('6');
    expect(await value('Replay plays')).toBe('1');
    expect(await value('Reactions')).toBe('1');
    const byVia = host.getByRole('table', { name: 'How they listened' });
    expect(await byVia.getByRole('row', { name: /^Live \(WebRTC\)/ }).getByRole('cell').first().textContent()).toBe('3');
    expect(await byVia.getByRole('row', { name: /^Live \(HLS, data saver\)/ }).getByRole('cell').first().textContent()).toBe('2');
    expect(await byVia.getByRole('row', { name: /^Replay/ }).getByRole('cell').first().textContent()).toBe('1');
    await expect.poll(() => host.getByRole('img', { name: 'Listeners per minute' }).isVisible()).toBe(true);
    const curve = host.getByRole('table', { name: 'Listeners per minute' });
    expect(await curve.getByRole('row').count()).toBe(3); // header + 2 minutes
    expect(await host.getByRole('table', { name: 'Speakers and talk time' }).getByRole('row', { name: /^Ana Host/ }).count()).toBe(1);

    const [download] = await Promise.all([host.waitForEvent('download'), host.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(download.suggestedFilename()).toBe(`space-${spaceId}-listeners.csv`);
    expect(csv).toContain('webrtc_sessions,3\r\n');
    expect(csv).toContain('hls_sessions,2\r\n');
    expect(csv).toContain('peak_listeners,5\r\n');
    expect(csv).toContain('minute,joins,leaves,listening\r\n0,5,2,3\r\n1,0,3,0\r\n');

    // The episode: the marker's title edited, show notes, published.
    const episode = host.getByRole('form', { name: 'Episode' });
    // The marker (and a speaker-change chapter where the host began talking).
    const titles = episode.getByRole('textbox', { name: /^Title of the chapter at / });
    const values = await titles.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(values).toContain('Opening');
    const chapter = titles.nth(values.indexOf('Opening'));
    await chapter.fill('Opening words');
    await episode.getByRole('textbox', { name: 'Show notes' }).fill('We open at 0:01.');
    await episode.getByRole('checkbox', { name: 'Publish the replay in my podcast feed' }).check();
    await episode.getByRole('button', { name: 'Save episode' }).click();
    await expect.poll(() => episode.getByRole('status').textContent(), { timeout: 20_000 }).toBe('Saved.');
    const feedUrl = `${server.url}/u/ana_host/podcast.xml`;
    const feed = parseWithPodcastparser(await (await fetch(feedUrl)).text(), feedUrl);
    expect(feed.episodes.map((e) => e.title)).toEqual(['Who listened']);
    const chapters = (await (await fetch(`${server.url}/s/${spaceId}/chapters.json`)).json()) as { chapters: { title: string }[] };
    expect(chapters.chapters.map((c) => c.title)).toContain('Opening words');
    await host.screenshot({ path: join(resolve(import.meta.dirname, '../../docs/screenshots'), 'studio-past-spaces-1440x900.png'), fullPage: true });
  });

  it('in Italian too', async () => {
    const page = await host.context().newPage();
    await page.addInitScript(() => localStorage.setItem('studio.locale', 'it'));
    await page.goto(new URL(studio.url).origin);
    await page.getByRole('tab', { name: 'Spazi passati' }).click();
    await page.getByRole('button', { name: 'Apri Who listened' }).click();
    const figures = page.getByRole('table', { name: 'Ascoltatori' });
    await expect.poll(() => figures.getByRole('row', { name: /^Picco di ascoltatori/ }).getByRole('cell').textContent(), { timeout: 10_000 }).toBe('5');
    expect(await page.getByRole('img', { name: 'Ascoltatori al minuto' }).isVisible()).toBe(true);
    await page.screenshot({ path: join(resolve(import.meta.dirname, '../../docs/screenshots'), 'studio-past-spaces-it.png'), fullPage: true });
    await page.close();
  });

  it('a clip play counts as a clip', async () => {
    const hostApi = await apiClient(server.url);
    await hostApi.request('auth.signIn', { handle: 'ana_host', password: 'correct horse battery' });
    const { url } = await hostApi.request('clip.create', { spaceId, durationMs: 5000, endMs: 20_000 });
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(url);
    await page.getByRole('button', { name: 'Play clip' }).click();
    await page.waitForFunction(() => (document.getElementById('audio') as HTMLAudioElement).currentTime > 0.5, null, { timeout: 10_000 });
    await sleep(2000);
    await page.close({ runBeforeUnload: true });
    await ctx.close();
    let a!: SpaceAnalytics;
    await expect.poll(async () => ((a = (await hostApi.request('analytics.get', { spaceId })).analytics), a.byVia.clip.sessions), { timeout: 10_000 }).toBe(1);
    hostApi.close();
    expect(a.uniqueListeners).toBe(7);
    expect(a.byVia.clip.minutes).toBeGreaterThan(1 / 60);
    expect(a.byVia.clip.minutes).toBeLessThan(6 / 60);
  });
});
