import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import type { RunningServer } from '../../src/server/app.js';
import type { RecordingTimeline } from '../../src/shared/recording.js';
import { makeSpeechWav } from '../support/audio.js';
import { launchChromium } from '../support/browser.js';
import { apiClient } from '../support/apiClient.js';
import { joinStageFromPage } from '../support/hostPeer.js';
import { requireNetns, startTestServer, tempDir } from '../support/stack.js';
import { parseWithPodcastparser, parseWithRssParser } from '../support/podcastFeed.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Seconds of audio in a file, as ffprobe (Debian ffmpeg) reads it. */
function probeSeconds(bytes: Buffer): number {
  const file = join(mkdtempSync(join(tmpdir(), 'spaces-enclosure-')), 'episode.m4a');
  writeFileSync(file, bytes);
  return Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim());
}

/**
 * A Space becomes a podcast episode (issue 22): a recorded Space with a producer marking chapters,
 * published by its host after End, appears in the host's feed with its enclosure (ranges, right
 * length and duration), chapters at the marker times, transcripts and speakers, as gPodder's
 * parser and a Node RSS library read it; an unpublished one does not, and stays private.
 */
describe('podcast feed', () => {
  let server: RunningServer;
  let browser: Browser;
  let hostPage: Page;
  let host: SignalingClient;
  let producer: SignalingClient;
  let spaceId: string;
  let privateId: string;
  const marks: { title: string; at: number }[] = [];
  let feedUrl: string;

  beforeAll(async () => {
    requireNetns();
    const wav = makeSpeechWav(join(tempDir('audio'), ''), 'podcast', 'Welcome to the podcast. Today we talk about microphones, rooms and the people who listen.');
    server = await startTestServer({ janusWsPort: 8261, segmentSeconds: 1 });
    browser = await launchChromium({ micWav: wav });
    hostPage = await (await browser.newContext()).newPage();
    await hostPage.goto(`${server.url}/healthz`);
    host = await apiClient(server.url);
    await host.request('auth.register', { handle: 'pod_host', displayName: 'Pod Host', password: 'correct horse battery' });
    producer = await apiClient(server.url);
    await producer.request('auth.register', { handle: 'pod_producer', displayName: 'Pod Producer', password: 'correct horse battery' });
    feedUrl = `${server.url}/u/pod_host/podcast.xml`;
  });

  afterAll(async () => {
    host?.close();
    producer?.close();
    await browser?.close();
    await server?.close();
  });

  it('while live: the Space is a podcast:liveItem with its HLS stream; the producer marks chapters', async () => {
    spaceId = (await host.request('space.create', { title: 'Episode one: microphones' })).space.id;
    await host.request('space.join', { spaceId });
    const { self } = await producer.request('space.join', { spaceId });
    await host.request('producer.add', { spaceId, memberId: self.memberId });
    await host.request('recording.set', { spaceId, on: true });
    // A listener may not mark chapters; nor anyone before the Space is live.
    await expect(producer.request('chapter.mark', { spaceId, title: 'too early' })).rejects.toMatchObject({ code: 'invalid_state' });
    await joinStageFromPage(hostPage, host, spaceId);
    const guest = await apiClient(server.url);
    await guest.request('space.join', { spaceId, displayName: 'Guest' });
    await expect(guest.request('chapter.mark', { spaceId })).rejects.toMatchObject({ code: 'forbidden' });
    guest.close();
    await expect.poll(async () => (await host.request('recording.get', { spaceId })).state.availability, { timeout: 10_000 }).toBe('recording');
    await expect.poll(async () => (await fetch(`${server.url}/s/${spaceId}/hls/live.m3u8`)).status, { timeout: 10_000 }).toBe(200);

    const live = parseWithPodcastparser(await (await fetch(feedUrl)).text(), feedUrl);
    expect(live.episodes).toEqual([]);
    expect(live.live).toEqual([expect.objectContaining({ status: 'live', title: 'Episode one: microphones', stream: `${server.url}/s/${spaceId}/hls/live.m3u8`, type: 'application/x-mpegURL' })]);

    await sleep(4000);
    for (const title of ['Microphones', 'Rooms']) {
      const { at } = await producer.request('chapter.mark', { spaceId, title });
      marks.push({ title, at });
      await sleep(6000);
    }
    // Captions, as the host's Studio posts them (the transcript of the episode).
    const zero = Date.now() - 15_000;
    for (const [i, text] of ['welcome to the podcast', 'microphones and rooms'].entries()) {
      const endMs = Date.now() - zero;
      await host.request('caption.post', { spaceId, segment: { id: `p${i}`, startMs: endMs - 2000, endMs, text, final: true, speakerId: null, speakerName: 'Pod Host' } });
      await sleep(1000);
    }
    await host.request('space.end', { spaceId });
    await expect.poll(async () => (await host.request('recording.get', { spaceId })).state.availability, { timeout: 15_000 }).toBe('replay');
  });

  it('a second Space, recorded and not published, ended', async () => {
    privateId = (await host.request('space.create', { title: 'Private rehearsal' })).space.id;
    await host.request('space.join', { spaceId: privateId });
    await host.request('recording.set', { spaceId: privateId, on: true });
    await joinStageFromPage(hostPage, host, privateId);
    await expect.poll(async () => (await host.request('recording.get', { spaceId: privateId })).state.availability, { timeout: 10_000 }).toBe('recording');
    await sleep(4000);
    await host.request('space.end', { spaceId: privateId });
    await expect.poll(async () => (await host.request('recording.get', { spaceId: privateId })).state.availability, { timeout: 15_000 }).toBe('replay');
  });

  it('after End the host edits the chapters and publishes; nobody else may', async () => {
    const { episode } = await host.request('episode.get', { spaceId });
    expect(episode).toMatchObject({ published: false, hasReplay: true, title: 'Episode one: microphones' });
    expect(episode.chapters.filter((c) => c.kind === 'marker').map((c) => c.title)).toEqual(['Microphones', 'Rooms']);
    await expect(producer.request('episode.update', { spaceId, published: true })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(host.request('episode.update', { spaceId, chapters: [{ id: 'cnotachapter1', title: 'x' }] })).rejects.toMatchObject({ code: 'not_found' });
    const rooms = episode.chapters.find((c) => c.title === 'Rooms')!;
    const { episode: published } = await host.request('episode.update', {
      spaceId,
      published: true,
      showNotes: 'Microphones at 0:04, then rooms.\n\nThanks for listening.',
      chapters: [{ id: rooms.id, title: 'Rooms and acoustics' }],
    });
    expect(published).toMatchObject({ published: true, guid: episode.guid });
    expect(published.chapters.find((c) => c.id === rooms.id)?.title).toBe('Rooms and acoustics');
    expect((await host.request('episode.list', {})).spaces.map((s) => [s.title, s.published])).toEqual([
      ['Private rehearsal', false],
      ['Episode one: microphones', true],
    ]);
  });

  it("the feed: gPodder's parser and rss-parser read it; required iTunes tags; the published episode only, with duration (+-1 s), speakers, transcripts and chapters", async () => {
    const res = await fetch(feedUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const xml = await res.text();
    const g = parseWithPodcastparser(xml, feedUrl);
    for (const [tag, value] of Object.entries(g.required)) expect(value, tag).toBeTruthy();
    expect(g.required).toMatchObject({ 'itunes:author': 'Pod Host', 'itunes:category': 'Society & Culture', 'itunes:explicit': 'false', 'itunes:owner/name': 'Pod Host' });
    expect(g.live).toEqual([]);
    expect(g.episodes).toHaveLength(1); // not the private rehearsal
    const e = g.episodes[0]!;
    const { episode } = await host.request('episode.get', { spaceId });
    expect(e.guid).toBe(episode.guid);
    expect(e.title).toBe('Episode one: microphones');
    expect(e.description).toContain('Microphones at 0:04');
    expect(xml).toContain(`<a href="${server.url}/s/${spaceId}#t=4">0:04</a>`);
    const timeline = (await (await fetch(`${server.url}/s/${spaceId}/recording.json`)).json()) as RecordingTimeline;
    expect(Math.abs(e.total_time - timeline.state.durationMs / 1000)).toBeLessThanOrEqual(1);

    const rss = await parseWithRssParser(xml);
    expect(rss.items).toHaveLength(1);
    expect(rss.items[0]!.guid).toBe(episode.guid);
    expect(rss.itunes?.image).toBe(`${server.url}/u/pod_host/cover.png`);

    // The enclosure: public, with ranges, its length is the feed's, its duration the episode's.
    const enc = e.enclosures[0]!;
    expect(enc).toMatchObject({ url: `${server.url}/s/${spaceId}/episode.m4a`, mime_type: 'audio/mp4' });
    const full = await fetch(enc.url);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('audio/mp4');
    const bytes = Buffer.from(await full.arrayBuffer());
    expect(bytes.length).toBe(enc.file_size);
    expect(bytes.subarray(0, 12).toString('latin1')).toContain('ftyp');
    const part = await fetch(enc.url, { headers: { range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(1000, 2000))).toBe(true);
    const probed = probeSeconds(bytes);
    console.info(`episode: feed ${e.total_time} s, recording ${timeline.state.durationMs} ms, enclosure ${probed.toFixed(2)} s, ${bytes.length} bytes`);
    expect(Math.abs(e.total_time - probed)).toBeLessThanOrEqual(1);

    // Speakers and transcripts.
    const item = g.items[0]!;
    expect(item.people).toContainEqual({ role: 'host', name: 'Pod Host' });
    expect(item.transcripts.map((t) => t.type)).toEqual(['text/vtt', 'application/x-subrip', 'application/json']);
    for (const t of item.transcripts) {
      const r = await fetch(t.url);
      expect(r.status, t.url).toBe(200);
      expect(await r.text()).toContain('microphones and rooms');
    }
    expect(await (await fetch(item.transcripts[0]!.url)).text()).toMatch(/^WEBVTT/);

    // Chapters at the producer's marks (+-1 s), with the host's titles.
    expect(item.chapters).toEqual([{ url: `${server.url}/s/${spaceId}/chapters.json`, type: 'application/json+chapters' }]);
    const ch = await fetch(item.chapters[0]!.url);
    expect(ch.headers.get('content-type')).toBe('application/json+chapters; charset=utf-8');
    const { chapters } = (await ch.json()) as { chapters: { startTime: number; title: string }[] };
    const zero = timeline.spans[0]!.at;
    for (const [i, title] of ['Microphones', 'Rooms and acoustics'].entries()) {
      const c = chapters.find((x) => x.title === title);
      expect(c, title).toBeDefined();
      const expected = (marks[i]!.at - zero) / 1000;
      console.info(`chapter ${title}: at ${c!.startTime} s, marked at ${expected.toFixed(2)} s of the recording`);
      expect(Math.abs(c!.startTime - expected)).toBeLessThanOrEqual(1);
    }
    expect(chapters[0]!.startTime).toBe(0);
  });

  it('an edit after publishing keeps one episode with the same GUID', async () => {
    const before = parseWithPodcastparser(await (await fetch(feedUrl)).text(), feedUrl).episodes;
    await host.request('episode.update', { spaceId, showNotes: 'Updated notes at 0:10.' });
    const after = parseWithPodcastparser(await (await fetch(feedUrl)).text(), feedUrl).episodes;
    expect(after).toHaveLength(1);
    expect(after[0]!.guid).toBe(before[0]!.guid);
    expect(after[0]!.published).toBe(before[0]!.published);
    expect(after[0]!.description).toContain('Updated notes');
  });

  it('the unpublished Space stays private: no enclosure, the recording is the host\'s download only', async () => {
    expect((await fetch(`${server.url}/s/${privateId}/episode.m4a`)).status).toBe(404);
    expect((await fetch(`${server.url}/s/${privateId}/recording.m4a`)).status).toBe(401);
    // Unpublishing takes an episode out of the feed again.
    await host.request('episode.update', { spaceId, published: false });
    expect(parseWithPodcastparser(await (await fetch(feedUrl)).text(), feedUrl).episodes).toEqual([]);
    expect((await fetch(`${server.url}/s/${spaceId}/episode.m4a`)).status).toBe(404);
    await host.request('episode.update', { spaceId, published: true });
    expect((await fetch(`${server.url}/s/${spaceId}/episode.m4a`)).status).toBe(200);
    expect((await fetch(`${server.url}/u/nobody_here/podcast.xml`)).status).toBe(404);
  });

  it('bad play reports are refused with a typed error; the figures as CSV are the host\'s only', async () => {
    const post = (body: string): Promise<Response> => fetch(`${server.url}/api/listens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const bad = await post('{"spaceId":"x","via":"tv"}');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('bad_message');
    expect((await post('not json')).status).toBe(400);
    expect((await post(JSON.stringify({ spaceId: 'zzzzzzzzzz', via: 'replay', session: 'abcdefgh12', event: 'start' }))).status).toBe(404);
    expect((await post(JSON.stringify({ spaceId, via: 'hls', session: 'abcdefgh12', event: 'start' }))).status).toBe(409); // ended: no live HLS
    const hostToken = (await host.request('auth.signIn', { handle: 'pod_host', password: 'correct horse battery' })).token;
    const producerToken = (await producer.request('auth.signIn', { handle: 'pod_producer', password: 'correct horse battery' })).token;
    const csv = (token?: string): Promise<Response> => fetch(`${server.url}/s/${spaceId}/analytics.csv`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await csv()).status).toBe(401);
    expect((await csv(producerToken)).status).toBe(403);
    const ok = await csv(hostToken);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await ok.text()).toContain('title,Episode one: microphones\r\n');
    await expect(producer.request('analytics.get', { spaceId })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('the replay page lists the chapters and a click plays from there (within 1 s)', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/s/${spaceId}`);
    await expect.poll(() => page.locator('#replay').isVisible(), { timeout: 10_000 }).toBe(true);
    const chapters = page.getByRole('list', { name: 'Chapters' });
    await expect.poll(() => chapters.getByRole('button').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    const button = chapters.getByRole('button', { name: /^Chapter Rooms and acoustics at / });
    const startS = Number(await button.getAttribute('data-start-time'));
    await button.click();
    await page.waitForFunction(() => !(document.getElementById('replay-audio') as HTMLAudioElement).paused, null, { timeout: 10_000 });
    const t = await page.locator('#replay-audio').evaluate((a: HTMLAudioElement) => a.currentTime);
    console.info(`chapter click: ${startS} s, playing at ${t.toFixed(2)} s`);
    expect(Math.abs(t - startS)).toBeLessThan(1);
    await expect.poll(() => button.getAttribute('aria-current')).toBe('true');
    await page.close();
  });
});
