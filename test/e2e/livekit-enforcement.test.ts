import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import type { RunningServer } from '../../src/server/app.js';
import { apiClient, outcome } from '../support/apiClient.js';
import { envelope, makeSpeechWav, readWav, rms, segmentedLoopCorrelation } from '../support/audio.js';
import { launchChromium, recordElementEnvelope } from '../support/browser.js';
import { LiveKitBot } from '../support/livekitBot.js';
import { RoomServiceClient } from 'livekit-server-sdk';
import { livekitConfig, requireNetns, startTestServer, tempDir } from '../support/stack.js';

/**
 * On LiveKit the server enforces the rules, not the clients (issue 20). The speaker here is a
 * client that ignores what it is told (LiveKit's Rust SDK driven by the test): muted, it keeps
 * sending and tries to publish again; removed, it comes back with its old token. A listener page
 * in Chromium is the judge: what does it hear?
 */
const SILENCE_RMS = 0.003;

describe('LiveKit: mute and removal are enforced by the media server', () => {
  let server: RunningServer;
  let browser: Browser;
  let listener: Page;
  let host: SignalingClient;
  let speakerApi: SignalingClient;
  let speaker: LiveKitBot;
  let speakerMember = '';
  let spaceId = '';
  let reference: number[];
  let speech: ReturnType<typeof readWav>;

  beforeAll(async () => {
    requireNetns();
    const wav = makeSpeechWav(tempDir('lk-enforce'), 'speaker', 'I keep talking even when they tell me to stop. Can anyone still hear me?');
    speech = readWav(wav);
    reference = envelope(speech);
    server = await startTestServer(livekitConfig(7900));
    browser = await launchChromium();
    host = await apiClient(server.url);
    await host.request('auth.register', { handle: 'enf_host', displayName: 'Host', password: 'correct horse battery' });
    spaceId = (await host.request('space.create', { title: 'Rules are rules' })).space.id;
    await host.request('space.join', { spaceId });
    // The host takes the stage (the Space goes live); the host's own audio is not part of this test.
    expect((await host.request('media.connect', { spaceId, as: 'stage' })).engine).toBe('livekit');
    speakerApi = await apiClient(server.url);
    await speakerApi.request('auth.register', { handle: 'enf_rebel', displayName: 'Rebel', password: 'correct horse battery' });
    speakerMember = (await speakerApi.request('space.join', { spaceId })).self.memberId;
    await speakerApi.request('request.raise', { spaceId });
    await host.request('request.approve', { spaceId, memberId: speakerMember as never });
    const media = await speakerApi.request('media.connect', { spaceId, as: 'stage' });
    if (media.engine !== 'livekit') throw new Error('expected a LiveKit grant');
    speaker = new LiveKitBot(media.grant);
    await speaker.connect();
    expect(await speaker.publish()).toBe('published');
    speaker.send(speech);
    listener = await browser.newPage();
    await listener.goto(`${server.url}/s/${spaceId}`);
    await listener.getByRole('button', { name: 'Listen' }).click();
  });

  afterAll(async () => {
    await speaker?.close();
    await browser?.close();
    host?.close();
    speakerApi?.close();
    await server?.close();
  });

  /** The participant as LiveKit's own API sees it (the server side, whatever the client believes). */
  async function participant(identity: string) {
    const rooms = new RoomServiceClient(server.livekit!.supervisor!.httpUrl, server.livekit!.keys.apiKey, server.livekit!.keys.apiSecret);
    return (await rooms.listParticipants(server.livekit!.media.roomName(server.spaces.mediaKeyOf(spaceId).key))).find((p) => p.identity === identity);
  }

  async function listenerHears(ms = 4000): Promise<{ r: number; level: number }> {
    const received = await recordElementEnvelope(listener, '#audio', ms);
    const heard = { r: segmentedLoopCorrelation(received, reference), level: rms(received) };
    console.info(`listener: envelope r=${heard.r.toFixed(3)} rms=${heard.level.toFixed(4)}`);
    return heard;
  }

  it('the speaker is heard by the listener page (r >= 0.8)', async () => {
    await expect.poll(async () => (await listenerHears()).r, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
  });

  it('muted by the host, the speaker keeps sending and publishes again: refused, and nobody hears it', async () => {
    await host.request('member.mute', { spaceId, memberId: speakerMember as never });
    // LiveKit took the track away (the room lists none from them); the client tries to put it back.
    await expect.poll(async () => (await participant(speaker.grant.identity))?.tracks.length, { timeout: 5000 }).toBe(0);
    const again = await speaker.publish();
    console.info(`publish while muted: ${again}`);
    expect(again).toMatch(/^refused/);
    await new Promise((r) => setTimeout(r, 1000)); // what was in flight plays out
    expect((await listenerHears(3000)).level).toBeLessThan(SILENCE_RMS);
  });

  it('unmuted (by themselves, as the rules allow), the speaker publishes and is heard again', async () => {
    await speakerApi.request('member.unmute', { spaceId });
    await expect.poll(async () => (await participant(speaker.grant.identity))?.permission?.canPublish, { timeout: 5000 }).toBe(true);
    expect(await speaker.publish()).toBe('published');
    await expect.poll(async () => (await listenerHears()).r, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
  });

  it('removed by the host: cut off; back with the old token they are put out at once and hear nothing; no new grant', async () => {
    await host.request('member.remove', { spaceId, memberId: speakerMember as never });
    await expect.poll(() => speaker.disconnected, { timeout: 5000 }).toBe(true);
    // Back with the old token, still within its lifetime.
    const again = new LiveKitBot(speaker.grant);
    const rejoin = await again.connect().then(
      () => 'connected',
      (err: Error) => `refused: ${err.message}`,
    );
    console.info(`rejoin with the old token: ${rejoin}`);
    if (rejoin === 'connected') {
      // LiveKit accepts a token until it expires; the server removes the identity it no longer honours at once.
      await expect.poll(() => again.disconnected, { timeout: 3000 }).toBe(true);
    }
    again.send(speech);
    await again.publish();
    await new Promise((r) => setTimeout(r, 1000));
    expect((await listenerHears(3000)).level).toBeLessThan(SILENCE_RMS);
    await again.close();
    expect(await outcome(speakerApi, 'media.connect', { spaceId, as: 'stage' })).toBe('forbidden');
    expect(await outcome(speakerApi, 'media.connect', { spaceId, as: 'listen' })).toBe('forbidden');
  });
});
