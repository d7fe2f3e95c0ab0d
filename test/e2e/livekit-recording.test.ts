import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import type { RunningServer } from '../../src/server/app.js';
import type { RecordingTimeline } from '../../src/shared/recording.js';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_UPLOAD_CHUNK_BYTES } from '../../src/shared/multitrack.js';
import { apiClient } from '../support/apiClient.js';
import { envelope, makeSpeechWav, readWav, rms, segmentedLoopCorrelation } from '../support/audio.js';
import { launchChromium } from '../support/browser.js';
import { recordPlayingEnvelope } from '../support/hostPeer.js';
import { LiveKitBot } from '../support/livekitBot.js';
import { livekitConfig, requireNetns, startTestServer, tempDir } from '../support/stack.js';

/**
 * Recording on LiveKit (issue 20): LiveKit mixes nothing, so the server's own participant in the
 * room decodes every speaker, mixes them and feeds the existing recorder (RTP L16 instead of
 * Janus' Opus forward). The host speaks through a LiveKit client; after End the replay page plays
 * the recording; the server's per-speaker tracks are each speaker's own voice, named by speaker.
 */
describe('LiveKit: a recorded Space, HLS and replay', () => {
  let server: RunningServer;
  let browser: Browser;
  let host: SignalingClient;
  let bot: LiveKitBot;
  let reference: number[];
  let spaceId = '';

  beforeAll(async () => {
    requireNetns();
    const wav = makeSpeechWav(tempDir('lk-rec'), 'recorded', 'This show is recorded. We talk about podcasts, microphones and the people who make them every week.');
    const speech = readWav(wav);
    reference = envelope(speech);
    server = await startTestServer({ ...livekitConfig(7910), segmentSeconds: 1 });
    browser = await launchChromium();
    host = await apiClient(server.url);
    await host.request('auth.register', { handle: 'lkrec_host', displayName: 'Rec Host', password: 'correct horse battery' });
    spaceId = (await host.request('space.create', { title: 'Recorded on LiveKit' })).space.id;
    await host.request('space.join', { spaceId });
    const media = await host.request('media.connect', { spaceId, as: 'stage' });
    if (media.engine !== 'livekit') throw new Error('expected a LiveKit grant');
    bot = new LiveKitBot(media.grant);
    await bot.connect();
    expect(await bot.publish()).toBe('published');
    bot.send(speech);
  });

  afterAll(async () => {
    await bot?.close();
    host?.close();
    await browser?.close();
    await server?.close();
  });

  it('recording on: the program mix becomes HLS segments', async () => {
    const { state } = await host.request('recording.set', { spaceId, on: true });
    expect(state.on).toBe(true);
    await expect.poll(async () => (await host.request('recording.get', { spaceId })).state.availability, { timeout: 10_000 }).toBe('recording');
    await expect.poll(async () => (await fetch(`${server.url}/s/${spaceId}/hls/live.m3u8`)).status, { timeout: 15_000 }).toBe(200);
  });

  it("the server's per-speaker tracks: one WAV per speaker, named by speaker, that is their voice", async () => {
    expect((await host.request('stage.record', { spaceId, on: true })).on).toBe(true);
    await new Promise((r) => setTimeout(r, 12_000)); // about two passes of the speech
    expect((await host.request('stage.record', { spaceId, on: false })).on).toBe(false);
    const { tracks } = await host.request('stage.tracks', { spaceId });
    console.info(`stage tracks: ${JSON.stringify(tracks)}`);
    expect(tracks.map((t) => t.displayName)).toEqual(['Rec Host']);
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < tracks[0]!.bytes; ) {
      const { data } = await host.request('stage.trackRead', { spaceId, name: tracks[0]!.name, offset, length: Math.min(MAX_UPLOAD_CHUNK_BYTES, tracks[0]!.bytes - offset) });
      const b = Buffer.from(data, 'base64');
      chunks.push(b);
      offset += b.length;
    }
    const dir = tempDir('lk-track');
    writeFileSync(join(dir, 'track.wav'), Buffer.concat(chunks));
    // 24-bit like the Janus engine's tracks; the test's reader takes 16-bit.
    execFileSync('sox', [join(dir, 'track.wav'), '-b', '16', join(dir, 'track16.wav')]);
    const track = envelope(readWav(join(dir, 'track16.wav')));
    const r = segmentedLoopCorrelation(track.slice(200), reference);
    console.info(`per-speaker track: ${(track.length / 100).toFixed(1)} s, envelope r=${r.toFixed(3)}`);
    expect(track.length).toBeGreaterThan(1000);
    expect(r).toBeGreaterThanOrEqual(0.8);
  });

  it('after End the replay plays the host (r >= 0.8)', async () => {
    await host.request('space.end', { spaceId });
    await expect.poll(async () => (await host.request('recording.get', { spaceId })).state.availability, { timeout: 10_000 }).toBe('replay');
    const timeline = (await (await fetch(`${server.url}/s/${spaceId}/recording.json`)).json()) as RecordingTimeline;
    console.info(`recording: ${timeline.state.durationMs} ms, gaps ${JSON.stringify(timeline.gaps)}`);
    expect(timeline.state.durationMs).toBeGreaterThan(10_000);
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/s/${spaceId}`);
    await expect.poll(() => page.locator('#replay').isVisible(), { timeout: 10_000 }).toBe(true);
    await page.getByRole('button', { name: 'Play replay' }).click();
    await page.waitForFunction(() => (document.getElementById('replay-audio') as HTMLAudioElement).currentTime > 0.3, null, { timeout: 10_000 });
    const received = await recordPlayingEnvelope(page, '#replay-audio', 8000);
    const r = segmentedLoopCorrelation(received, reference);
    console.info(`replay (LiveKit): envelope r=${r.toFixed(3)} rms=${rms(received).toFixed(4)}`);
    expect(rms(received)).toBeGreaterThan(0.01);
    expect(r).toBeGreaterThanOrEqual(0.8);
  });
});
