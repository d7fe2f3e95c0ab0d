import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import { envelope, makeSpeechWav, readWav, rms, segmentedLoopCorrelation } from '../support/audio.js';
import { apiClient } from '../support/apiClient.js';
import { launchChromium, recordElementEnvelope } from '../support/browser.js';
import { startServerProcess } from '../support/serverProcess.js';
import { requireNetns, startTestStudio, tempDir } from '../support/stack.js';
import { createSpaceInStudio, registerInStudio } from '../support/studioPage.js';

/**
 * Staying live through failures: the Space server is SIGKILLed mid-Space (its Janus with it) and
 * started again on the same data: the Studio gets back on stage by itself, the listener hears the
 * host again without reloading, and the people on stage keep their roles (restored from SQLite).
 */
describe('the Space server restarts mid-Space', () => {
  const dataDir = tempDir('recovery-server');
  const port = 8397;
  const env = { JANUS_WS_PORT: '8197', SPACES_MEMBER_GRACE_MS: '60000' };
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  let studio: Awaited<ReturnType<typeof startTestStudio>>;
  const browsers: Browser[] = [];
  let host: Page;
  let listener: Page;
  let reference: number[];
  let speaker: SignalingClient;
  let speakerToken = '';
  let spaceId = '';

  beforeAll(async () => {
    requireNetns();
    const wav = makeSpeechWav(tempDir('recovery-audio'), 'host', 'We are still on the air. Nothing can stop this show, not even a crash.');
    reference = envelope(readWav(wav));
    server = await startServerProcess({ port, dataDir, env });
    studio = await startTestStudio(server.url);
    const [h, l] = await Promise.all([launchChromium({ micWav: wav }), launchChromium()]);
    browsers.push(h!, l!);
    host = await h!.newPage();
    listener = await l!.newPage();
    await host.goto(studio.url);
  });
  afterAll(async () => {
    speaker?.close();
    await Promise.all(browsers.map((b) => b.close()));
    await studio?.close();
    await server?.stop();
  });

  const heard = async (ms = 4000): Promise<number> => {
    const env_ = await recordElementEnvelope(listener, '#audio', ms);
    const r = segmentedLoopCorrelation(env_, reference);
    const debug = process.env.RECOVERY_DEBUG ? ` notice="${await listener.locator('#notice').textContent()}" host="${await host.locator('.space .muted').first().textContent()}"` : '';
    console.info(`listener: r=${r.toFixed(3)} rms=${rms(env_).toFixed(4)}${debug}`);
    return r;
  };

  it('the host is live, a speaker is on stage, the listener hears the host', async () => {
    await registerInStudio(host, 'phoenix_host', 'Phoenix');
    const link = await createSpaceInStudio(host, 'Unbreakable');
    spaceId = link.split('/s/')[1]!;
    await host.getByRole('button', { name: 'Go live' }).click();
    speaker = await apiClient(server.url);
    const signedIn = await speaker.request('auth.register', { handle: 'phoenix_guest', displayName: 'Guest Speaker', password: 'correct horse battery' });
    speakerToken = signedIn.token;
    await speaker.request('space.join', { spaceId });
    await speaker.request('request.raise', { spaceId });
    await host.locator('[data-testid^="request-"]').getByRole('button', { name: 'Approve' }).click();
    await listener.goto(link);
    await listener.getByRole('button', { name: 'Listen' }).click();
    await expect.poll(() => heard(), { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
  });

  it('SIGKILL the server, start it again: the listener hears the host again without a reload, roles intact', async () => {
    const navigations: string[] = [];
    listener.on('framenavigated', (f) => navigations.push(f.url()));
    server.child.kill('SIGKILL');
    await new Promise((r) => server.child.once('exit', r));
    speaker.close();
    const killedAt = Date.now();
    server = await startServerProcess({ port, dataDir, env });
    console.info(`server answering again ${Date.now() - killedAt} ms after the kill`);
    await expect.poll(() => heard(2000), { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(0.8);
    console.info(`audio back ${Date.now() - killedAt} ms after the server was killed (includes its restart)`);
    expect(navigations).toEqual([]);
    await expect.poll(() => host.getByTestId('space-state').textContent()).toBe('live');
    // The speaker reconnects and finds their seat kept.
    speaker = await apiClient(server.url);
    await speaker.request('auth.resume', { token: speakerToken });
    const back = await speaker.request('space.join', { spaceId });
    expect(back.self.role).toBe('speaker');
    expect(back.roster.stage.map((m) => m.role)).toEqual(['host', 'speaker']);
  });
});
