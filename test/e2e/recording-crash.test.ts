import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordingTimeline } from '../../src/shared/recording.js';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import { envelope, makeSpeechWav, readWav, segmentedLoopCorrelation } from '../support/audio.js';
import { launchChromium } from '../support/browser.js';
import { apiClient } from '../support/apiClient.js';
import { joinStageFromPage, recordPlayingEnvelope } from '../support/hostPeer.js';
import { startServerProcess } from '../support/serverProcess.js';
import { requireNetns, tempDir } from '../support/stack.js';

const SEGMENT_MS = 1000;
const PORT = 18231;

/** Child pids of a process (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}
function recorderPid(serverPid: number): number | undefined {
  return childrenOf(serverPid).find((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('hlssink2');
    } catch {
      return false;
    }
  });
}

/**
 * Crash safety of the recording: the recorder is SIGKILLed mid-Space, then Janus, then the whole
 * server (its Janus and recorder go with it), which comes back on the same data. The replay then
 * plays to within one segment of each kill, marks each gap, and goes on after each restart.
 */
describe('recording survives a killed recorder, a killed Janus and a killed server', () => {
  const dataDir = tempDir('rec-crash');
  const env = { SPACES_HLS_SEGMENT_SECONDS: '1', JANUS_WS_PORT: '8252', SPACES_HOST_GRACE_MS: '60000' };
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  let browser: Browser;
  let reference: number[];
  let token: string;
  let spaceId: string;
  const kills: { what: string; at: number }[] = [];
  const open: SignalingClient[] = [];

  const goOnStage = async (): Promise<{ c: SignalingClient; page: Page }> => {
    // (A fresh connection and page each time: the old ones died with the server.)
    const c = await apiClient(server.url);
    open.push(c);
    await c.request('auth.resume', { token });
    await c.request('space.join', { spaceId });
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/healthz`);
    await joinStageFromPage(page, c, spaceId);
    return { c, page };
  };
  const segmentCount = async (): Promise<number> =>
    ((await (await fetch(`${server.url}/s/${spaceId}/recording.json`)).json()) as RecordingTimeline).state.durationMs / SEGMENT_MS;

  beforeAll(async () => {
    requireNetns();
    const wav = makeSpeechWav(join(tempDir('audio'), ''), 'crash', 'After a crash the recording goes on. Nothing said before the crash is lost, except one second.');
    reference = envelope(readWav(wav));
    browser = await launchChromium({ micWav: wav });
    server = await startServerProcess({ port: PORT, dataDir, env });
    const c = await apiClient(server.url);
    open.push(c);
    token = (await c.request('auth.register', { handle: 'crash_host', displayName: 'Crash Host', password: 'correct horse battery' })).token;
    spaceId = (await c.request('space.create', { title: 'Crash show' })).space.id;
    await c.request('space.join', { spaceId });
    await c.request('recording.set', { spaceId, on: true });
    c.close();
  });

  afterAll(async () => {
    for (const c of open) c.close();
    await browser?.close();
    await server?.stop();
  });

  it('records, loses at most the segment in progress at each kill, and goes on after each restart', async () => {
    const first = await goOnStage();
    await expect.poll(segmentCount, { timeout: 15_000 }).toBeGreaterThanOrEqual(4);

    // 1. The recorder alone dies.
    const pid = recorderPid(server.child.pid!);
    expect(pid).toBeDefined();
    kills.push({ what: 'recorder', at: Date.now() });
    process.kill(pid!, 'SIGKILL');
    await expect.poll(() => recorderPid(server.child.pid!) ?? pid, { timeout: 5000 }).not.toBe(pid);
    const afterRecorderKill = await segmentCount();
    await expect.poll(segmentCount, { timeout: 15_000 }).toBeGreaterThanOrEqual(afterRecorderKill + 4);

    // 2. Janus dies: the server restarts it and rebuilds the stage (and the tap); the host re-joins.
    const janusPid = Number(readFileSync(join(dataDir, 'janus', 'janus.pid'), 'utf8'));
    kills.push({ what: 'janus', at: Date.now() });
    process.kill(janusPid, 'SIGKILL');
    await expect.poll(() => Number(readFileSync(join(dataDir, 'janus', 'janus.pid'), 'utf8')), { timeout: 10_000 }).not.toBe(janusPid);
    await first.page.close();
    for (let i = 0; ; i++) {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${server.url}/healthz`);
      try {
        await joinStageFromPage(page, first.c, spaceId);
        first.page = page;
        break;
      } catch (err) {
        await page.close();
        if (i > 20) throw err;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    const afterJanusKill = await segmentCount();
    await expect.poll(segmentCount, { timeout: 15_000 }).toBeGreaterThanOrEqual(afterJanusKill + 4);

    // 3. The whole server dies (Janus and the recorder with it) and comes back on the same data.
    kills.push({ what: 'server', at: Date.now() });
    server.child.kill('SIGKILL');
    await new Promise((r) => server.child.once('exit', r));
    first.c.close();
    await first.page.close();
    server = await startServerProcess({ port: PORT, dataDir, env });
    const second = await goOnStage();
    const afterServerKill = await segmentCount();
    await expect.poll(segmentCount, { timeout: 25_000 }).toBeGreaterThanOrEqual(afterServerKill + 11);
    await second.c.request('space.end', { spaceId });
    await expect.poll(async () => (await second.c.request('recording.get', { spaceId })).state.availability, { timeout: 10_000 }).toBe('replay');

    const timeline = (await (await fetch(`${server.url}/s/${spaceId}/recording.json`)).json()) as RecordingTimeline;
    expect(timeline.spans).toHaveLength(4);
    expect(timeline.gaps).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      const lostMs = kills[i]!.at - timeline.gaps[i]!.at;
      console.info(`${kills[i]!.what} kill: recording ends ${lostMs} ms before the kill; gap ${timeline.gaps[i]!.durationMs} ms`);
      // The segment in progress at most (plus the ~0.2 s the stage's audio takes to reach the recorder).
      expect(lostMs).toBeLessThanOrEqual(SEGMENT_MS + 400);
      expect(timeline.spans[i + 1]!.durationMs).toBeGreaterThanOrEqual(3 * SEGMENT_MS);
    }
    const replay = await (await fetch(`${server.url}/s/${spaceId}/hls/replay.m3u8`)).text();
    expect(replay.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(3);

    // The replay plays across the restart: from just after the second gap, the host is heard.
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/s/${spaceId}`);
    await expect.poll(() => page.locator('#replay').isVisible(), { timeout: 10_000 }).toBe(true);
    await page.getByRole('button', { name: 'Play replay' }).click();
    // 8 s from 2 s into the last span (a speaker's first second on a fresh stage is rougher), once it plays.
    const from = timeline.spans[3]!.positionMs / 1000 + 2;
    await page.locator('#replay-audio').evaluate((a: HTMLAudioElement, t: number) => (a.currentTime = t), from);
    await page.waitForFunction((t) => (document.getElementById('replay-audio') as HTMLAudioElement).currentTime > t + 0.3, from, { timeout: 10_000 });
    const r = segmentedLoopCorrelation(await recordPlayingEnvelope(page, '#replay-audio', 8000), reference);
    console.info(`replay after the server restart: envelope r=${r.toFixed(3)}`);
    expect(r).toBeGreaterThanOrEqual(0.8);
  });
});

