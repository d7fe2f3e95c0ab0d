import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import type { RunningServer } from '../../src/server/app.js';
import type { RecordingTimeline } from '../../src/shared/recording.js';
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
 * the recording.
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

  it('after End the replay plays the host (r >= 0.8)', async () => {
    await new Promise((r) => setTimeout(r, 12_000)); // about two passes of the speech
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
