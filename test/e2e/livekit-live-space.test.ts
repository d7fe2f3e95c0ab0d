import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { envelope, makeSpeechWav, readWav, rms, segmentedLoopCorrelation } from '../support/audio.js';
import { launchChromium, recordElementEnvelope } from '../support/browser.js';
import { livekitConfig, requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { createSpaceInStudio, registerInStudio } from '../support/studioPage.js';
import type { RunningServer } from '../../src/server/app.js';
import { apiClient } from '../support/apiClient.js';
import { AudioSource, LocalAudioTrack, Room, TrackPublishOptions, TrackSource } from '@livekit/rtc-node';
import { RoomServiceClient } from 'livekit-server-sdk';

/**
 * The walking skeleton on the LiveKit engine (issue 20): the server runs its own livekit-server
 * (built by scripts/setup-livekit.sh); the Studio publishes its broadcast bus into the Space's
 * LiveKit room with a grant from the server, and a listener page subscribes with a listener's
 * grant and hears the host. A listener's token cannot publish.
 */
const SILENCE_RMS = 0.003;

describe('a live Space on LiveKit, from the Studio to a listener', () => {
  let server: RunningServer;
  let studio: Awaited<ReturnType<typeof startTestStudio>>;
  let browser: Browser;
  let host: Page;
  let listener: Page;
  let reference: number[];
  let link: string;

  beforeAll(async () => {
    requireNetns();
    const wav = makeSpeechWav(tempDir('lk-audio'), 'host', 'Welcome to the show. Today we talk about live audio, microphones and the people who love them.');
    reference = envelope(readWav(wav));
    server = await startTestServer(livekitConfig(7880));
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

  async function listenerHears(ms = 6000): Promise<{ r: number; level: number }> {
    const received = await recordElementEnvelope(listener, '#audio', ms);
    const heard = { r: segmentedLoopCorrelation(received, reference), level: rms(received) };
    console.info(`listener (LiveKit): envelope r=${heard.r.toFixed(3)} rms=${heard.level.toFixed(4)}`);
    return heard;
  }

  it('the server runs its own livekit-server and no Janus', async () => {
    expect(server.livekit?.supervisor?.pid).toBeGreaterThan(0);
    expect(server.janus).toBeUndefined();
    expect(server.media.nodes()).toEqual([expect.objectContaining({ id: 'local', up: true })]);
  });

  it('the host goes live from the Studio; a listener hears them (envelope correlation >= 0.8)', async () => {
    await registerInStudio(host, 'lk_host', 'Host');
    link = await createSpaceInStudio(host, 'LiveKit show');
    await host.getByRole('button', { name: 'Go live' }).click();
    await expect.poll(() => host.getByTestId('space-state').textContent()).toBe('live');
    await expect.poll(() => host.getByTestId('stage-state').textContent(), { timeout: 15_000 }).toMatch(/connected/);
    listener = await (await browser.newContext()).newPage();
    await listener.goto(link);
    await listener.getByRole('button', { name: 'Listen' }).click();
    await expect.poll(() => host.getByTestId('listener-count').textContent()).toBe('1 listening');
    await expect.poll(async () => (await listenerHears(4000)).r, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
    expect((await listenerHears()).level).toBeGreaterThan(SILENCE_RMS * 3);
  });

  it('livekit-server SIGKILLed: the server restarts it, re-opens the room, and the listener hears the host again without reloading', async () => {
    const oldPid = server.livekit!.supervisor!.pid!;
    const navigations: string[] = [];
    listener.on('framenavigated', (f) => navigations.push(f.url()));
    const killedAt = Date.now();
    process.kill(oldPid, 'SIGKILL');
    await expect.poll(() => server.livekit!.supervisor!.pid !== undefined && server.livekit!.supervisor!.pid !== oldPid, { timeout: 10_000 }).toBe(true);
    await expect.poll(() => server.media.isUp, { timeout: 10_000 }).toBe(true);
    // The Studio re-joins the stage and the page connects again by itself (media.reset); poll until speech is back.
    await expect.poll(async () => (await listenerHears(4000)).r, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
    console.info(`heard again within ${Date.now() - killedAt} ms of the SIGKILL (4 s recording windows)`);
    expect(navigations).toEqual([]);
    await expect.poll(() => listener.locator('#state').textContent()).toBe('Live');
  });

  it("a client holding a listener's token cannot publish: LiveKit refuses", async () => {
    // A real LiveKit client (the Rust SDK in @livekit/rtc-node) with a listener's grant from the server.
    const api = await apiClient(server.url);
    const spaceId = link.split('/').pop()!;
    await api.request('space.join', { spaceId, displayName: 'Sneaky' });
    const media = await api.request('media.connect', { spaceId, as: 'listen' });
    if (media.engine !== 'livekit') throw new Error('expected a LiveKit grant');
    const room = new Room();
    await room.connect(media.grant.url, media.grant.token, { autoSubscribe: false, dynacast: false });
    const source = new AudioSource(48_000, 1);
    const track = LocalAudioTrack.createAudioTrack('mic', source);
    const published = await room
      .localParticipant!.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }))
      .then(() => 'published', (err: Error) => `refused: ${err.message}`);
    console.info(`publish with a listener token: ${published}`);
    expect(published).toMatch(/^refused/);
    // And the Space's room shows no track from them.
    const participants = await new RoomServiceClient(server.livekit!.supervisor!.httpUrl, server.livekit!.keys.apiKey, server.livekit!.keys.apiSecret).listParticipants(
      server.livekit!.media.roomName(server.spaces.mediaKeyOf(spaceId).key),
    );
    expect(participants.find((p) => p.identity === media.grant.identity)?.tracks ?? []).toEqual([]);
    await room.disconnect();
    await api.close();
  });
});
