import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/app.js';
import { envelope, makeSilenceWav, makeSpeechWav, readWav, rms, segmentedLoopCorrelation } from '../support/audio.js';
import { launchChromium, recordElementEnvelope } from '../support/browser.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { createSpaceInStudio, registerInStudio } from '../support/studioPage.js';

/**
 * Producing from a second machine: a second Studio joins the host's Space, is made producer and
 * cues a pad of the host's soundboard, which plays on air from the host's Studio. Then it becomes
 * co-host on stage; the host's machine disappears; the listener keeps hearing the co-host, who gets
 * host controls after the grace period.
 */
describe('a second Studio runs the show with the host', () => {
  let server: RunningServer;
  let hostStudio: Awaited<ReturnType<typeof startTestStudio>>;
  let secondStudio: Awaited<ReturnType<typeof startTestStudio>>;
  const browsers: Browser[] = [];
  let hostBrowser: Browser;
  let host: Page;
  let second: Page;
  let listener: Page;
  let jingle: number[];
  let cohostVoice: number[];
  let dir: string;
  let link = '';

  beforeAll(async () => {
    requireNetns();
    dir = tempDir('second-machine');
    const jingleWav = makeSpeechWav(dir, 'jingle', 'Spaces Studio jingle. Stay tuned for more great conversations right here.');
    const cohostWav = makeSpeechWav(dir, 'cohost', 'This is your co-host speaking from the second machine. The show goes on.');
    jingle = envelope(readWav(jingleWav));
    cohostVoice = envelope(readWav(cohostWav));
    server = await startTestServer({ janusWsPort: 8198, hostGraceMs: 3000 });
    hostStudio = await startTestStudio(server.url);
    secondStudio = await startTestStudio(server.url);
    const [h, s, l] = await Promise.all([launchChromium({ micWav: makeSilenceWav(dir) }), launchChromium({ micWav: cohostWav }), launchChromium()]);
    hostBrowser = h!;
    browsers.push(s!, l!);
    host = await h!.newPage();
    second = await s!.newPage();
    listener = await l!.newPage();
    await host.goto(hostStudio.url);
    await second.goto(secondStudio.url);
  });
  afterAll(async () => {
    await Promise.all([...browsers, hostBrowser].map((b) => b.close().catch(() => undefined)));
    await hostStudio?.close().catch(() => undefined);
    await secondStudio?.close();
    await server?.close();
  });

  const listenerHears = async (reference: number[], ms = 4000): Promise<number> => {
    const env = await recordElementEnvelope(listener, '#audio', ms);
    const r = segmentedLoopCorrelation(env, reference);
    console.info(`listener: r=${r.toFixed(3)} rms=${rms(env).toFixed(4)}`);
    return r;
  };

  it('the host goes live with a soundboard; the second Studio joins and is made producer', async () => {
    await registerInStudio(host, 'main_host', 'Main Host');
    await host.getByLabel('Import clip').setInputFiles(join(dir, 'jingle.wav'));
    await expect.poll(() => host.getByTestId('pad-jingle').count()).toBe(1);
    await host.getByRole('button', { name: 'Edit jingle' }).click();
    await host.getByRole('form', { name: 'Edit pad' }).getByLabel('Mode').selectOption('loop');
    await host.getByRole('button', { name: 'Save pad' }).click();
    link = await createSpaceInStudio(host, 'Produced show');
    await host.getByRole('button', { name: 'Go live' }).click();
    await listener.goto(link);
    await listener.getByRole('button', { name: 'Listen' }).click();

    await registerInStudio(second, 'the_producer', 'Pat Producer');
    await second.getByLabel('Join as co-host or producer (link or id)').fill(link);
    await second.getByRole('button', { name: 'Join Space' }).click();
    const row = host.locator('li', { hasText: 'Pat Producer' });
    await row.getByRole('button', { name: 'Make producer' }).click();
    await expect.poll(() => second.getByTestId('my-role').textContent()).toContain('producer');
  });

  it("the producer's cue plays the host's pad on air and the listener hears it", async () => {
    await second.getByRole('button', { name: 'Cue jingle' }).click();
    await expect.poll(() => host.getByRole('button', { name: 'Play jingle' }).getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => listenerHears(jingle), { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
    await second.getByRole('button', { name: 'Cue jingle' }).click(); // a loop pad: cue again to stop
    await expect.poll(() => host.getByRole('button', { name: 'Play jingle' }).getAttribute('aria-pressed')).toBe('false');
  });

  it('staff notes reach the staff, never the listener page', async () => {
    await second.getByLabel('Note to staff').fill('Two minutes to the break');
    await second.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => host.getByRole('list', { name: 'Staff notes' }).textContent()).toContain('Two minutes to the break');
    expect(await listener.content()).not.toContain('Two minutes to the break');
  });

  it('the second Studio goes on stage as co-host and is heard', async () => {
    await host.locator('li', { hasText: 'Pat Producer' }).getByRole('button', { name: 'Remove producer' }).click();
    await host.locator('li', { hasText: 'Pat Producer' }).getByRole('button', { name: 'Invite to speak' }).click();
    await second.getByRole('button', { name: 'Accept' }).click();
    await host.locator('li', { hasText: 'Pat Producer' }).getByRole('button', { name: 'Make co-host' }).click();
    await expect.poll(() => second.getByTestId('my-role').textContent()).toContain('co-host');
    await second.getByRole('button', { name: 'Join the stage' }).click();
    await expect.poll(() => listenerHears(cohostVoice), { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
  });

  it("the host's machine disappears: the listener keeps hearing the co-host, who gets host controls", async () => {
    await hostBrowser.close();
    await hostStudio.close();
    expect(await listenerHears(cohostVoice)).toBeGreaterThanOrEqual(0.8);
    await expect.poll(() => second.getByRole('button', { name: 'End', exact: true }).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => listener.locator('#state').textContent()).toBe('Live');
    await expect.poll(() => listenerHears(cohostVoice), { timeout: 20_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
  });
});
