import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerConfig } from '../../src/server/config.js';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/app.js';
import { envelope, makeSilenceWav, makeSpeechWav, readWav, rms, segmentedLoopCorrelation } from './audio.js';
import { launchChromium, recordElementEnvelope } from './browser.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from './stack.js';
import { createSpaceInStudio, registerInStudio, registerOnListenerPage } from './studioPage.js';

/**
 * The rules of a Space, end to end with a real media engine (Janus, or LiveKit: issue 20, the same
 * steps pass with either): a listener asks to speak, the host approves
 * in the Studio, the new speaker's espeak speech reaches a second listener; the host mutes them
 * (silence) and removes them (their rejoin is refused).
 */
const SILENCE_RMS = 0.003;

export function speakerFlow(engine: string, serverConfig: Partial<ServerConfig>): void {
  describe(`a listener becomes a speaker, is muted, then removed (${engine})`, () => {
    let server: RunningServer;
    let studio: Awaited<ReturnType<typeof startTestStudio>>;
    const browsers: Browser[] = [];
    let host: Page;
    let speaker: Page;
    let listener: Page;
    let reference: number[];
    let link = '';

    beforeAll(async () => {
      requireNetns();
      const dir = tempDir('speaker-audio');
      const speech = makeSpeechWav(dir, 'speaker', 'I have a question about microphones. Which one would you buy for a small studio at home?');
      reference = envelope(readWav(speech));
      server = await startTestServer(serverConfig);
      studio = await startTestStudio(server.url);
      // The host's microphone is silent here so that what the listener hears is the speaker alone.
      const [hostBrowser, speakerBrowser, listenerBrowser] = await Promise.all([
        launchChromium({ micWav: makeSilenceWav(dir) }),
        launchChromium({ micWav: speech }),
        launchChromium(),
      ]);
      browsers.push(hostBrowser!, speakerBrowser!, listenerBrowser!);
      host = await hostBrowser!.newPage();
      speaker = await speakerBrowser!.newPage();
      listener = await listenerBrowser!.newPage();
      await host.goto(studio.url);
    });
    afterAll(async () => {
      await Promise.all(browsers.map((b) => b.close()));
      await studio?.close();
      await server?.close();
    });

    async function listenerHears(ms = 6000): Promise<{ r: number; level: number }> {
      const received = await recordElementEnvelope(listener, '#audio', ms);
      const heard = { r: segmentedLoopCorrelation(received, reference), level: rms(received) };
      console.info(`second listener: envelope r=${heard.r.toFixed(3)} rms=${heard.level.toFixed(4)}`);
      return heard;
    }

    it('the host goes live; a listener signs up and asks to speak; the host sees the request', async () => {
      await registerInStudio(host, 'rules_host', 'Hana Host');
      link = await createSpaceInStudio(host, 'Ask me anything');
      await host.getByRole('button', { name: 'Go live' }).click();
      await expect.poll(() => host.getByTestId('space-state').textContent()).toBe('live');

      await speaker.goto(link);
      await registerOnListenerPage(speaker, 'sam_speaks', 'Sam');
      await speaker.getByRole('button', { name: 'Listen' }).click();
      await speaker.getByRole('button', { name: 'Request to speak' }).click();
      await expect.poll(() => speaker.getByRole('button', { name: 'Cancel request' }).count()).toBe(1);
      await expect.poll(() => host.locator('[data-testid^="request-"]').count()).toBe(1);
      await expect.poll(() => host.locator('[data-testid^="request-"]').textContent()).toContain('Sam');
    });

    it('the host approves; the speaker is on stage and a second listener hears them (r >= 0.8)', async () => {
      await listener.goto(link);
      await listener.getByRole('button', { name: 'Listen' }).click();
      await host.locator('[data-testid^="request-"]').getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => speaker.getByText("You're on stage.").isVisible()).toBe(true);
      await expect.poll(() => listener.locator('#stage li').count()).toBe(2);
      await expect.poll(async () => (await listenerHears(4000)).r, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
      // Janus' talk events light the speaking indicator in the Studio.
      await expect.poll(() => host.locator('li[data-speaking="true"]', { hasText: 'Sam' }).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    });

    it('a reaction from the audience shows in the Studio', async () => {
      await listener.getByRole('button', { name: 'React 👏' }).click();
      await expect.poll(() => host.getByTestId('reaction-feed').textContent()).toContain('👏');
    });

    it('the host mutes the speaker: the second listener hears silence', async () => {
      const row = host.locator('li', { hasText: 'Sam' }).filter({ has: host.getByRole('button', { name: 'Mute' }) });
      await row.getByRole('button', { name: 'Mute' }).click();
      await expect.poll(() => speaker.getByRole('button', { name: 'Unmute' }).count()).toBe(1);
      await new Promise((r) => setTimeout(r, 1000)); // what was already in the jitter buffers plays out
      const { level } = await listenerHears(3000);
      expect(level).toBeLessThan(SILENCE_RMS);
    });

    it('the host moves the speaker back to the audience: they listen to the audience stream again', async () => {
      await speaker.getByRole('button', { name: 'Unmute' }).click();
      const row = host.locator('li', { hasText: 'Sam' }).filter({ has: host.getByRole('button', { name: 'Move to audience' }) });
      await row.getByRole('button', { name: 'Move to audience' }).click();
      await expect.poll(() => speaker.getByText("You're on stage.").isVisible()).toBe(false);
      await expect.poll(() => listener.locator('#stage li').count()).toBe(1);
      // The speaker's page switched to the audience stream by itself.
      await expect.poll(() => speaker.getByRole('button', { name: 'Leave' }).isVisible()).toBe(true);
      await expect
        .poll(() => speaker.evaluate(() => (document.getElementById('audio') as HTMLAudioElement).srcObject !== null), { timeout: 10_000 })
        .toBe(true);
      expect(await speaker.getByRole('button', { name: 'Request to speak' }).isVisible()).toBe(true);
    });

    it('the host removes the speaker: they are told, and their rejoin is refused', async () => {
      const row = host.locator('li', { hasText: 'Sam' }).filter({ has: host.getByRole('button', { name: 'Remove', exact: true }) });
      await row.getByRole('button', { name: 'Remove', exact: true }).click();
      await expect.poll(() => speaker.locator('#notice').textContent()).toContain('You were removed from this Space');
      await expect.poll(() => listener.locator('#stage li').count()).toBe(1);
      await speaker.reload();
      await expect.poll(() => speaker.locator('#account-summary').textContent()).toBe('Signed in as @sam_speaks');
      await speaker.getByRole('button', { name: 'Listen' }).click();
      await expect.poll(() => speaker.locator('#notice').textContent()).toContain('removed from this Space');
      expect(await speaker.getByRole('button', { name: 'Request to speak' }).isVisible()).toBe(false);
    });
  });
}
