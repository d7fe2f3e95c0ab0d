import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { join } from 'node:path';
import { envelope, makeSpeechWav, readWav, rms, segmentedLoopCorrelation } from '../support/audio.js';
import { launchChromium, recordElementEnvelope } from '../support/browser.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { createSpaceInStudio, registerInStudio } from '../support/studioPage.js';
import { startTestPulse, type TestPulse } from '../support/pulse.js';
import { EXTERNAL_SINK, PROGRAM_SINK } from '../../src/shared/devices.js';
import type { RunningServer } from '../../src/server/app.js';

/**
 * Local audio routing against a real PulseAudio daemon (null sinks + remap sources stand in for a
 * pro interface). Chromium runs WITHOUT the fake-device flags: the Studio captures a PulseAudio
 * source that paplay feeds with espeak speech, goes live, and a listener hears it through Janus.
 * The program reaches the "Spaces Studio Program" sink; unplugging the mic while live falls back
 * to the default input and the Space continues; the device's profile comes back with it.
 */
const SILENCE_RMS = 0.003;

describe('audio routing, live: a PulseAudio microphone, the program output, unplug and fallback', () => {
  let pulse: TestPulse;
  let server: RunningServer;
  let studio: Awaited<ReturnType<typeof startTestStudio>>;
  let browser: Browser;
  let host: Page;
  let listener: Page;
  let reference: number[];
  let wav: string;
  let proFeed: string;

  beforeAll(async () => {
    requireNetns();
    pulse = await startTestPulse();
    const audioDir = tempDir('audio');
    wav = makeSpeechWav(audioDir, 'host', 'Welcome to the show. Today we talk about live audio, microphones and the people who love them.');
    reference = envelope(readWav(wav));
    const pro = await pulse.addInput('pro_mic', 'Pro Mic');
    const backup = await pulse.addInput('backup_mic', 'Backup Mic');
    proFeed = pro.feed;
    await pulse.pactl('set-default-source', 'backup_mic');
    pulse.loop(pro.feed, wav);
    pulse.loop(backup.feed, wav);
    // The Studio's main-process services (this process) talk to the test's daemon.
    process.env.PULSE_SERVER = pulse.server;
    process.env.PULSE_CLIENTCONFIG = pulse.env.PULSE_CLIENTCONFIG;
    server = await startTestServer({ janusWsPort: 8200 });
    studio = await startTestStudio(server.url);
    browser = await launchChromium({ env: pulse.env }); // no micWav: no fake-device flags
    host = await (await browser.newContext({ permissions: ['microphone'] })).newPage();
    await host.goto(studio.url);
  });

  afterAll(async () => {
    await browser?.close();
    await studio?.close();
    await server?.close();
    await pulse?.stop();
    delete process.env.PULSE_SERVER;
    delete process.env.PULSE_CLIENTCONFIG;
  });

  async function listenerHears(ms = 6000): Promise<{ r: number; level: number }> {
    const received = await recordElementEnvelope(listener, '#audio', ms);
    const heard = { r: segmentedLoopCorrelation(received, reference), level: rms(received) };
    console.info(`listener: envelope r=${heard.r.toFixed(3)} rms=${heard.level.toFixed(4)}`);
    return heard;
  }

  /** Which PulseAudio sources Chromium is recording from right now. */
  async function capturedSources(): Promise<string[]> {
    const sources = JSON.parse(await pulse.pactl('-f', 'json', 'list', 'sources')) as { index: number; name: string }[];
    const outputs = JSON.parse(await pulse.pactl('-f', 'json', 'list', 'source-outputs')) as { source: number; properties: Record<string, string> }[];
    return outputs
      .filter((o) => /chrom/i.test(o.properties['application.name'] ?? '') || /chrom/i.test(o.properties['application.process.binary'] ?? ''))
      .map((o) => sources.find((s) => s.index === o.source)?.name ?? `#${o.source}`)
      .sort();
  }

  const micMeter = (): ReturnType<Page['getByRole']> => host.getByRole('region', { name: 'Input strip' }).getByRole('meter');

  it('routing is available; the OS inventory lists the devices and matches the browser list', async () => {
    await expect.poll(() => host.getByTestId('routing-status').textContent(), { timeout: 15_000 }).toMatch(/^available \(PulseAudio 16/);
    await registerInStudio(host, 'routing_host', 'Routing Host');
    // The device choice opens from the mic strip.
    await host.getByRole('region', { name: 'Input strip' }).getByRole('button', { name: 'Input settings' }).click();
    const options = (): Promise<string[]> => host.getByLabel('Microphone').locator('option').allTextContents();
    await expect.poll(options, { timeout: 15_000 }).toEqual(expect.arrayContaining(['Pro Mic', 'Backup Mic', 'Spaces Studio External Capture']));
    // Monitors are not inputs; the Studio's own program sink is an output.
    expect(await options()).not.toContain('Monitor of Spaces Studio Program');
    const proItem = host.getByTestId('os-inputs').locator('li[data-name="pro_mic"]');
    await expect.poll(() => proItem.textContent()).toBe('Pro Mic');
    expect(await host.getByTestId('os-inputs').locator('li[data-name="backup_mic"]').textContent()).toBe('Backup Mic (default)');
    expect(await host.getByTestId('os-outputs').locator(`li[data-name="${PROGRAM_SINK}"]`).textContent()).toBe('Spaces Studio Program (Studio)');
    expect(await host.getByTestId('os-monitors').locator(`li[data-name="${PROGRAM_SINK}.monitor"]`).count()).toBe(1);
  });

  it('Chromium (no fake devices) captures the PulseAudio mic; live, the listener hears it (r >= 0.8)', async () => {
    await host.getByLabel('Microphone').selectOption({ label: 'Pro Mic' });
    await expect.poll(capturedSources, { timeout: 10_000 }).toContain('pro_mic');
    await host.getByRole('dialog', { name: 'Input settings' }).getByRole('button', { name: 'Close' }).click();
    const listenerUrl = await createSpaceInStudio(host, 'Routing show');
    await expect.poll(async () => Number(await micMeter().getAttribute('data-peak-db')), { timeout: 10_000 }).toBeGreaterThan(-40);
    await host.getByRole('button', { name: 'Go live' }).click();
    await expect.poll(() => host.getByTestId('space-state').textContent(), { timeout: 15_000 }).toBe('live');
    listener = await (await browser.newContext()).newPage();
    await listener.goto(listenerUrl);
    await listener.getByRole('button', { name: 'Listen' }).click();
    await expect.poll(() => listener.locator('#state').textContent()).toBe('Live');
    await new Promise((r) => setTimeout(r, 1500));
    await expect.poll(async () => (await listenerHears()).r, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
  });

  it('the program reaches the "Spaces Studio Program" sink: its monitor, recorded with parec, correlates with the speech', async () => {
    await expect.poll(() => host.getByTestId('program-output').textContent()).toContain('plays to Spaces Studio Program');
    const samples = await pulse.record(`${PROGRAM_SINK}.monitor`, 6);
    const received = envelope({ sampleRate: 48000, samples });
    const r = segmentedLoopCorrelation(received, reference);
    console.info(`program sink monitor: envelope r=${r.toFixed(3)} rms=${rms(received).toFixed(4)}`);
    expect(rms(received)).toBeGreaterThan(SILENCE_RMS * 3);
    expect(r).toBeGreaterThanOrEqual(0.8);
  });

  it('another app played into the external input shows on its own strip', async () => {
    const strip = host.getByTestId('external-input');
    await expect.poll(() => strip.getByRole('meter').count(), { timeout: 10_000 }).toBe(1);
    const stop = pulse.loop(EXTERNAL_SINK, wav);
    try {
      await expect.poll(async () => Number(await strip.getByRole('meter').getAttribute('data-peak-db')), { timeout: 10_000 }).toBeGreaterThan(-40);
      await strip.getByRole('button', { name: 'Mute external input' }).click();
      await expect.poll(() => strip.getByRole('button', { name: 'Unmute external input' }).count()).toBe(1);
      await strip.getByRole('button', { name: 'Unmute external input' }).click();
    } finally {
      stop();
    }
    await expect.poll(async () => Number(await strip.getByRole('meter').getAttribute('data-peak-db')), { timeout: 10_000 }).toBeLessThan(-60);
  });

  it('unplugging the selected mic while live falls back to the default input; the listener keeps hearing the host; switching back restores its profile', async () => {
    // Give the Pro Mic a profile: gain -6 dB (saved by main).
    const gain = host.getByRole('region', { name: 'Input strip' }).getByRole('slider', { name: 'Gain', exact: true });
    await gain.focus();
    for (let i = 0; i < 6; i++) await gain.press('ArrowLeft');
    await expect.poll(() => host.getByTestId('gain-db').textContent()).toBe('-6 dB');
    await new Promise((r) => setTimeout(r, 800)); // the profile save is debounced

    const sourceModule = JSON.parse(await pulse.pactl('-f', 'json', 'list', 'sources')).find((s: { name: string }) => s.name === 'pro_mic').owner_module as number;
    await pulse.pactl('unload-module', String(sourceModule));
    await expect.poll(() => host.getByTestId('mic-fallback').textContent(), { timeout: 10_000 }).toContain('“Pro Mic” was disconnected. The Studio switched to the system default input');
    await expect.poll(capturedSources, { timeout: 10_000 }).toContain('backup_mic');
    expect(await host.getByTestId('space-state').textContent()).toBe('live');
    await new Promise((r) => setTimeout(r, 1000));
    await expect.poll(async () => (await listenerHears()).r, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);

    // On the fallback device the host turns the gain back up.
    for (let i = 0; i < 6; i++) await gain.press('ArrowRight');
    await expect.poll(() => host.getByTestId('gain-db').textContent()).toBe('0 dB');

    // The mic comes back: one click switches to it, and its profile (-6 dB) is re-applied.
    await pulse.pactl('load-module', 'module-remap-source', 'source_name=pro_mic', `master=${proFeed}.monitor`, 'channels=1', `source_properties='device.description="Pro Mic"'`);
    await expect.poll(() => host.getByTestId('mic-fallback').textContent(), { timeout: 10_000 }).toContain('“Pro Mic” is back');
    await host.getByRole('button', { name: 'Switch back to Pro Mic' }).click();
    await expect.poll(() => host.getByTestId('mic-fallback').count()).toBe(0);
    await expect.poll(capturedSources, { timeout: 10_000 }).toContain('pro_mic');
    await expect.poll(() => host.getByTestId('gain-db').textContent(), { timeout: 10_000 }).toBe('-6 dB');
    await expect.poll(async () => (await listenerHears()).r, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
  });
});
