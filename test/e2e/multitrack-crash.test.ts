import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { TakeInfo } from '../../src/shared/multitrack.js';
import { readWavInfo } from '../../src/main/services/multitrack/wav.js';
import { envelope, makeSpeechWav, readWav, segmentedLoopCorrelation } from '../support/audio.js';
import { launchChromium } from '../support/browser.js';
import { spawnStudio } from '../support/studioChild.js';
import { tempDir } from '../support/stack.js';

/**
 * The whole Studio is SIGKILLed in the middle of a take (main process and all: nothing gets to
 * clean up). At the next start the take is listed as recovered and its files play to within a
 * second of the kill, with the host's speech in the microphone track.
 */
describe('the Studio is killed mid-take', () => {
  let browser: Browser;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    await browser?.close();
    for (const c of children) c.kill('SIGKILL');
  });

  it('offers the take at the next start, playable to within 1 s of the kill', async () => {
    const dir = tempDir('take-crash');
    const dataDir = join(dir, 'studio');
    const speechWav = makeSpeechWav(dir, 'host', 'Welcome to the show. Today we record every voice on its own track, safely.');
    const first = await spawnStudio({ port: 5831, dataDir });
    children.push(first.child);
    browser = await launchChromium({ micWav: speechWav });
    const page = await browser.newPage();
    await page.goto(first.url);
    await expect.poll(() => page.getByTestId('take-disk').textContent(), { timeout: 15_000 }).toMatch(/minutes fit/);
    const record = page.getByRole('button', { name: 'Record take' });
    await expect.poll(() => record.isEnabled(), { timeout: 15_000 }).toBe(true);
    await record.click();
    await expect.poll(() => page.getByTestId('take-elapsed').textContent(), { timeout: 15_000 }).toMatch(/Recording 0:0[6-9]/);
    const takeId = readdirSync(join(dataDir, 'takes'))[0]!;
    const startedAt = (JSON.parse(readFileSync(join(dataDir, 'takes', takeId, 'take.json'), 'utf8')) as TakeInfo).startedAt;
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((r) => first.child.once('exit', r));

    const second = await spawnStudio({ port: 5832, dataDir });
    children.push(second.child);
    await page.goto(second.url);
    const row = page.getByTestId(`take-${takeId}`);
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('recovered');
    expect(await row.textContent()).toMatch(/recovered after the Studio stopped unexpectedly/);

    const take = (JSON.parse(readFileSync(join(dataDir, 'takes', takeId, 'take.json'), 'utf8')) as TakeInfo);
    const lossMs = killedAt - startedAt - take.durationMs;
    console.info(`take ran ${killedAt - startedAt} ms until the kill; recovered ${take.durationMs} ms; lost ${lossMs} ms`);
    expect(lossMs).toBeLessThanOrEqual(1000);
    for (const t of take.tracks) {
      const info = readWavInfo(t.file);
      expect(info.dataBytes).toBe(info.fileDataBytes);
      const seconds = Number(execFileSync('soxi', ['-D', t.file], { encoding: 'utf8' }));
      expect(Math.abs(seconds * t.sampleRate * 3 - info.dataBytes)).toBeLessThan(3);
      // Every track, not only the mic, reaches to within a second of the kill.
      expect(killedAt - t.startedAt - seconds * 1000).toBeLessThanOrEqual(1000);
      if (t.kind === 'mic') expect(Math.abs(seconds * 1000 - take.durationMs)).toBeLessThan(2);
    }
    // The mic track is the host's speech (lossless: the envelope matches the file the mic played).
    const mic16 = join(dir, 'mic16.wav');
    execFileSync('sox', [take.tracks.find((t) => t.kind === 'mic')!.file, '-b', '16', mic16]);
    const r = segmentedLoopCorrelation(envelope(readWav(mic16)), envelope(readWav(speechWav)));
    console.info(`mic track vs the host's speech: r=${r.toFixed(3)}`);
    expect(r).toBeGreaterThanOrEqual(0.9);
  });
});
