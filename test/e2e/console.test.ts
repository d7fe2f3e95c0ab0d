import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/app.js';
import { envelope, makeSpeechWav, readWav, rms, segmentedLoopCorrelation } from '../support/audio.js';
import { launchChromium, recordElementEnvelope } from '../support/browser.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { createSpaceInStudio, registerInStudio } from '../support/studioPage.js';

/**
 * The broadcast console with real Janus: pro preset constraints, clip import (good and corrupt),
 * a pad heard by the listener while live, the mic gain heard as level, Opus settings on the sender.
 */
const SILENCE_RMS = 0.003;

/** Records what the page asks getUserMedia for, and keeps its peer connections reachable. */
const INSTRUMENT = `
  window.__gum = [];
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (c) => { window.__gum.push(JSON.parse(JSON.stringify(c))); return gum(c); };
  window.__pcs = [];
  const PC = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...a) { const pc = new PC(...a); window.__pcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = PC.prototype;
`;

describe('the broadcast console', () => {
  let server: RunningServer;
  let studio: Awaited<ReturnType<typeof startTestStudio>>;
  const browsers: Browser[] = [];
  let host: Page;
  let listener: Page;
  let jingle: number[];
  let dir: string;
  let link = '';

  beforeAll(async () => {
    requireNetns();
    dir = tempDir('console');
    // The mic speaks at -12 dBFS so that +6 dB stays clear of clipping.
    const mic = makeSpeechWav(dir, 'mic', 'Testing one two three. This is the host speaking into a quiet microphone.', { normDb: -12 });
    const jingleWav = makeSpeechWav(dir, 'jingle', 'Spaces Studio jingle. Stay tuned for more great conversations right here.');
    jingle = envelope(readWav(jingleWav));
    server = await startTestServer({ janusWsPort: 8196 });
    studio = await startTestStudio(server.url);
    const [h, l] = await Promise.all([launchChromium({ micWav: mic }), launchChromium()]);
    browsers.push(h!, l!);
    const context = await h!.newContext();
    await context.addInitScript(INSTRUMENT);
    host = await context.newPage();
    listener = await l!.newPage();
    await host.goto(studio.url);
  });
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await studio?.close();
    await server?.close();
  });

  const listenerLevel = async (ms: number): Promise<{ r: number; level: number; env: number[] }> => {
    const env = await recordElementEnvelope(listener, '#audio', ms);
    const heard = { r: segmentedLoopCorrelation(env, jingle), level: rms(env), env };
    console.info(`listener: r(jingle)=${heard.r.toFixed(3)} rms=${heard.level.toFixed(4)}`);
    return heard;
  };
  const lastGum = (): Promise<{ audio: Record<string, unknown> }> => host.evaluate(() => (window as unknown as { __gum: { audio: Record<string, unknown> }[] }).__gum.at(-1)!);

  it('the host signs up and opens a Space', async () => {
    await registerInStudio(host, 'console_host', 'Console Host');
    link = await createSpaceInStudio(host, 'Console check');
  });

  it('the pro preset turns echo cancellation, noise suppression and auto gain off in the constraints', async () => {
    await expect.poll(async () => (await lastGum())?.audio?.autoGainControl).toBe(false);
    // Capture settings open from the mic strip.
    await host.getByRole('region', { name: 'Input strip' }).getByRole('button', { name: 'Input settings' }).click();
    await host.getByLabel('Auto gain').check();
    await expect.poll(async () => (await lastGum()).audio.autoGainControl).toBe(true);
    await host.getByRole('button', { name: 'Pro microphone' }).click();
    await expect.poll(async () => (await lastGum()).audio).toMatchObject({ echoCancellation: false, noiseSuppression: false, autoGainControl: false });
    await expect.poll(() => host.getByTestId('capture-settings').textContent()).toContain('EC off · NS off · AGC off');
    await host.getByRole('dialog', { name: 'Input settings' }).getByRole('button', { name: 'Close' }).click();
  });

  it('a corrupt or unsupported file is refused with a message and the library is unchanged', async () => {
    const junk = join(dir, 'notes.wav');
    writeFileSync(junk, 'RIFF....WAVE this is a shopping list, not a sound');
    await host.getByLabel('Import clip').setInputFiles(junk);
    await expect.poll(() => host.getByRole('alert').textContent()).toContain('Cannot import “notes.wav”');
    expect(await host.locator('[data-testid^="pad-"]').count()).toBe(0);
    const text = join(dir, 'readme.txt');
    writeFileSync(text, 'plain text');
    await host.getByLabel('Import clip').setInputFiles(text);
    await expect.poll(() => host.getByRole('alert').textContent()).toContain('Cannot import “readme.txt”');
    expect(await host.locator('[data-testid^="pad-"]').count()).toBe(0);
  });

  it('a pad played while off air is not heard', async () => {
    await host.getByLabel('Import clip').setInputFiles(join(dir, 'jingle.wav'));
    await expect.poll(() => host.getByTestId('pad-jingle').count()).toBe(1);
    await listener.goto(link);
    await listener.getByRole('button', { name: 'Listen' }).click();
    await host.getByRole('button', { name: 'Play jingle' }).click();
    const { level } = await listenerLevel(2000);
    expect(level).toBeLessThan(SILENCE_RMS);
    await host.getByRole('button', { name: 'Stop all' }).click();
  });

  it('live, the listener hears the pad (r >= 0.8 with the clip)', async () => {
    await host.getByRole('button', { name: 'Mute mic' }).click();
    await host.getByRole('button', { name: 'Edit jingle' }).click();
    await host.getByRole('form', { name: 'Edit pad' }).getByLabel('Mode').selectOption('loop');
    await host.getByRole('button', { name: 'Save pad' }).click();
    await expect.poll(() => host.getByTestId('pad-jingle').textContent()).toContain('loop');
    await host.getByLabel('Broadcast quality').selectOption({ label: 'Music (128 kb/s, no DTX)' });
    await host.getByRole('button', { name: 'Go live' }).click();
    await expect.poll(() => listener.locator('#state').textContent()).toBe('Live');
    await host.getByRole('button', { name: 'Play jingle' }).click();
    await expect.poll(async () => (await listenerLevel(4000)).r, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
    await host.getByRole('button', { name: 'Play jingle' }).click(); // loop: press again to stop
  });

  it('the chosen Opus settings reach the sender (SDP and sender parameters)', async () => {
    const sent = await host.evaluate(() => {
      const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState === 'connected');
      const pc = pcs.at(-1)!;
      return { maxBitrate: pc.getSenders()[0]!.getParameters().encodings[0]?.maxBitrate, sdp: pc.remoteDescription!.sdp };
    });
    expect(sent.maxBitrate).toBe(128_000);
    expect(sent.sdp).toMatch(/a=fmtp:\d+ .*maxaveragebitrate=128000/);
    expect(sent.sdp).toMatch(/a=fmtp:\d+ .*usedtx=0/);
  });

  it('+6 dB on the mic is heard by the listener as about twice the level', async () => {
    await host.getByRole('button', { name: 'Unmute mic' }).click();
    await new Promise((r) => setTimeout(r, 1500));
    const base = (await listenerLevel(8000)).level;
    await host.getByLabel('Gain', { exact: true }).fill('6');
    await expect.poll(() => host.getByTestId('gain-db').textContent()).toBe('+6 dB');
    await new Promise((r) => setTimeout(r, 1500));
    const louder = (await listenerLevel(8000)).level;
    console.info(`mic gain +6 dB: listener rms ${base.toFixed(4)} -> ${louder.toFixed(4)} (x${(louder / base).toFixed(2)})`);
    expect(base).toBeGreaterThan(SILENCE_RMS);
    expect(louder / base).toBeGreaterThan(1.6);
    expect(louder / base).toBeLessThan(2.5);
  });
});
