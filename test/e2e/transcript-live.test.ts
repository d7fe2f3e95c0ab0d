import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { envelope, makeSpeechWav, readWav, rms, segmentedLoopCorrelation } from '../support/audio.js';
import { launchChromium, recordElementEnvelope } from '../support/browser.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { createSpaceInStudio, registerInStudio } from '../support/studioPage.js';
import { parseCues } from '../../src/shared/transcriptFormat.js';
import type { RunningServer } from '../../src/server/app.js';

/**
 * Issue 7 end to end: espeak speech is the host's microphone in a live Space (real Janus); the
 * Studio's transcript engine (pocketsphinx in a gst-launch child process of the main-process
 * services) transcribes the program; the segments appear in the Studio's panel and as captions on
 * a listener page; exports parse back; killing the engine leaves the broadcast alone.
 *
 * Pocketsphinx is weak on synthetic speech (ENVIRONMENT.md: ~75% WER), so we assert keyword recall
 * over a fixed set with a loose threshold, and print the measured value.
 */
const SENTENCE = 'Welcome to the show. Today we talk about music and the weather. The microphone is ready. Thank you for listening to the radio.';
const KEYWORDS = ['welcome', 'show', 'music', 'weather', 'microphone', 'ready', 'listening', 'radio'];
const MIN_RECALL = 0.25; // measured 0.5 in the Studio and 0.5 on the listener page (see report in docs/benchmarks.md)

const recall = (text: string): number => {
  const words = new Set(text.toLowerCase().split(/[^a-z']+/));
  return KEYWORDS.filter((k) => words.has(k)).length / KEYWORDS.length;
};

function enginePids(): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes('gst-launch'))
      .map((l) => Number(l.trim().split(/\s+/)[0]));
  } catch {
    return [];
  }
}

describe('live transcript and captions', () => {
  let server: RunningServer;
  let studio: Awaited<ReturnType<typeof startTestStudio>>;
  let browser: Browser;
  let host: Page;
  let listener: Page;
  let reference: number[];
  let spaceId: string;

  beforeAll(async () => {
    requireNetns();
    const wav = makeSpeechWav(join(tempDir('audio'), ''), 'transcript', SENTENCE, { padSeconds: 1.5 });
    reference = envelope(readWav(wav));
    server = await startTestServer({ janusWsPort: 8241 });
    studio = await startTestStudio(server.url);
    browser = await launchChromium({ micWav: wav });
    host = await (await browser.newContext({ acceptDownloads: true })).newPage();
    await host.goto(studio.url);
  });

  afterAll(async () => {
    await browser?.close();
    await studio?.close();
    await server?.close();
  });

  const studioText = async (): Promise<string> => (await host.getByTestId('transcript-lines').locator('li:not(.partial) .text').allTextContents()).join(' ');
  const captionText = async (): Promise<string> => (await listener.locator('#captions .caption.final').allTextContents()).join(' ');

  it('speech in a live Space appears in the Studio transcript and as captions on the listener page', async () => {
    await registerInStudio(host, 'caption_host', 'Caption Host');
    const url = await createSpaceInStudio(host, 'Captioned show');
    spaceId = url.split('/').pop()!;
    listener = await (await browser.newContext()).newPage();
    await listener.goto(url);
    await listener.getByRole('button', { name: 'Listen' }).click();
    await host.getByRole('button', { name: 'Go live' }).click();
    await expect.poll(() => host.getByTestId('space-state').textContent()).toBe('live');
    await expect.poll(() => host.getByTestId('transcript-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('running');
    // Two loops of the sentence (about 9 s each with the pause).
    await expect.poll(async () => (await host.getByTestId('transcript-lines').locator('li:not(.partial)').count()), { timeout: 40_000, interval: 500 }).toBeGreaterThanOrEqual(2);
    const inStudio = recall(await studioText());
    await expect.poll(async () => recall(await captionText()), { timeout: 10_000 }).toBeGreaterThan(0);
    const onListener = recall(await captionText());
    console.info(`keyword recall: studio=${inStudio.toFixed(2)} listener=${onListener.toFixed(2)} (threshold ${MIN_RECALL}); studio text: ${await studioText()}`);
    expect(inStudio).toBeGreaterThanOrEqual(MIN_RECALL);
    expect(onListener).toBeGreaterThanOrEqual(MIN_RECALL);
    // Speaker labels come from the server's speaking events.
    expect(await host.getByTestId('transcript-lines').locator('li strong').first().textContent()).toBe('Caption Host:');
    // Captions toggle off and on.
    // Captions are labelled as automatic and stay off until the listener turns them on.
    expect(await listener.locator('#captions-label').textContent()).toContain('Automatic captions by pocketsphinx');
    expect(await listener.locator('#captions').isHidden()).toBe(true);
    await listener.getByRole('button', { name: 'Captions: off' }).click();
    expect(await listener.locator('#captions').isVisible()).toBe(true);
    await listener.getByRole('button', { name: 'Captions: on' }).click();
    expect(await listener.locator('#captions').isHidden()).toBe(true);
  });

  it('exported SRT and VTT parse back with the same segments and monotonic timestamps; the server stores them', async () => {
    const download = async (format: string): Promise<string> => {
      const [d] = await Promise.all([host.waitForEvent('download'), host.getByRole('button', { name: `Export ${format.toUpperCase()}` }).click()]);
      return readFileSync((await d.path())!, 'utf8');
    };
    const { segments } = JSON.parse(await download('json')) as { segments: { id: string; startMs: number; endMs: number; text: string; final: boolean; speakerName: string | null }[] };
    const finals = segments.filter((s) => s.final && s.text.trim());
    expect(finals.length).toBeGreaterThanOrEqual(2);
    for (const format of ['srt', 'vtt'] as const) {
      const text = await download(format);
      if (format === 'vtt') expect(text.startsWith('WEBVTT')).toBe(true);
      const cues = parseCues(text);
      // The transcript may have grown between reading it and the click: compare the common prefix.
      expect(cues.length).toBeGreaterThanOrEqual(finals.length);
      cues.slice(0, finals.length).forEach((c, i) => {
        expect(c.startMs).toBe(finals[i]!.startMs);
        expect(c.endMs).toBe(finals[i]!.endMs);
        expect(c.text).toBe(`${finals[i]!.speakerName}: ${finals[i]!.text}`);
      });
      cues.forEach((c, i) => {
        expect(c.endMs).toBeGreaterThanOrEqual(c.startMs);
        if (i > 0) expect(c.startMs).toBeGreaterThanOrEqual(cues[i - 1]!.endMs);
      });
    }
    const res = await fetch(`${server.url}/s/${spaceId}/transcript.json`);
    expect(res.status).toBe(200);
    const stored = ((await res.json()) as { segments: { id: string }[] }).segments.map((s) => s.id);
    expect(stored).toEqual(expect.arrayContaining(finals.map((s) => s.id)));
  });

  it('killing the engine process does not disturb the broadcast; the panel says so and it restarts', async () => {
    const [pid] = enginePids();
    expect(pid).toBeGreaterThan(0);
    const before = (await host.getByTestId('transcript-lines').locator('li:not(.partial)').count());
    process.kill(pid!, 'SIGKILL');
    await expect.poll(() => host.getByTestId('transcript-status').textContent(), { timeout: 5_000, interval: 50 }).toMatch(/stopped \(signal SIGKILL\)/);
    // The listener still hears the host while the engine is down and restarting.
    const received = await recordElementEnvelope(listener, '#audio', 5000);
    const r = segmentedLoopCorrelation(received, reference);
    console.info(`listener during engine crash: envelope r=${r.toFixed(3)} rms=${rms(received).toFixed(4)}`);
    expect(rms(received)).toBeGreaterThan(0.009);
    expect(r).toBeGreaterThanOrEqual(0.8);
    await expect.poll(() => host.getByTestId('transcript-status').getAttribute('data-state'), { timeout: 10_000 }).toBe('running');
    await expect.poll(() => host.getByTestId('transcript-status').textContent()).toContain('restarted 1×');
    const [newPid] = enginePids();
    expect(newPid).toBeGreaterThan(0);
    expect(newPid).not.toBe(pid);
    // And it transcribes again.
    await expect.poll(async () => (await host.getByTestId('transcript-lines').locator('li:not(.partial)').count()), { timeout: 30_000, interval: 500 }).toBeGreaterThan(before);
  });

  it('sherpa-onnx in the panel: unavailable with the reason, model download with progress, error and resume, a damaged model reported, back to pocketsphinx', async () => {
    // No real model can be downloaded here: the archive has the streaming zipformer layout with
    // files that are not ONNX. The first download attempt is cut half way (the panel shows the
    // error and offers to resume); the second resumes with a Range request.
    const dir = tempDir('fake-model');
    const name = 'sherpa-onnx-streaming-zipformer-en-2023-06-26';
    mkdirSync(join(dir, name));
    for (const part of ['encoder', 'decoder', 'joiner']) writeFileSync(join(dir, name, `${part}-epoch-99-avg-1-chunk-16-left-128.onnx`), `not onnx ${part}\n`.repeat(20_000));
    writeFileSync(join(dir, name, 'tokens.txt'), '<blk> 0\na 1\n');
    execFileSync('tar', ['-cjf', join(dir, 'model.tar.bz2'), '-C', dir, name]);
    const archive = readFileSync(join(dir, 'model.tar.bz2'));
    const sha256 = createHash('sha256').update(archive).digest('hex');
    const ranges: string[] = [];
    let cut = true;
    const modelServer = createServer((req, res) => {
      ranges.push(req.headers.range ?? '');
      const from = req.headers.range ? Number(/bytes=(\d+)-/.exec(req.headers.range)![1]) : 0;
      if (cut) {
        cut = false;
        res.writeHead(200, { 'Content-Length': archive.length });
        res.write(archive.subarray(0, archive.length >> 1));
        setTimeout(() => res.destroy(), 50);
        return;
      }
      res.writeHead(from ? 206 : 200, { 'Content-Length': archive.length - from }).end(archive.subarray(from));
    });
    await new Promise<void>((r) => modelServer.listen(0, '127.0.0.1', r));
    try {
      // The speech engine and its model are set in the Settings view.
      await host.getByRole('tab', { name: 'Settings' }).click();
      await host.getByLabel('Speech engine').selectOption('sherpa-onnx');
      await expect.poll(() => host.getByTestId('engine-unavailable').textContent()).toMatch(/No speech model yet/);
      await expect.poll(() => host.getByTestId('transcript-status').textContent(), { timeout: 10_000 }).toMatch(/failed — sherpa-onnx: No speech model yet/);
      expect(await host.getByTestId('speech-model').getAttribute('data-state')).toBe('missing');
      await host.getByLabel('Model URL').fill(`http://127.0.0.1:${(modelServer.address() as AddressInfo).port}/${name}.tar.bz2`);
      await host.getByLabel('Model SHA-256').fill(sha256);
      await host.getByRole('button', { name: 'Download model' }).click();
      await expect.poll(() => host.getByTestId('speech-model').getByRole('alert').textContent(), { timeout: 15_000 }).toMatch(/download was interrupted/i);
      await host.getByRole('button', { name: 'Resume download' }).waitFor({ timeout: 5_000 });
      const kept = Number(await host.getByLabel('Model download').getAttribute('value'));
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(archive.length);
      await host.getByRole('button', { name: 'Resume download' }).click();
      await expect.poll(() => host.getByTestId('speech-model').getAttribute('data-state'), { timeout: 15_000 }).toBe('ready');
      expect(ranges.at(-1)).toMatch(/^bytes=[1-9]\d*-$/);
      // Ready, but the model is damaged: the engine says which file and why; the broadcast goes on.
      await host.getByLabel('Speech engine').selectOption('pocketsphinx');
      await expect.poll(() => host.getByTestId('transcript-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('running');
      await host.getByLabel('Speech engine').selectOption('sherpa-onnx');
      await expect.poll(() => host.getByTestId('transcript-status').textContent(), { timeout: 30_000 }).toMatch(/failed — sherpa-onnx: the model file (encoder|decoder|joiner)-epoch-99-avg-1-chunk-16-left-128\.onnx is damaged or not an ONNX model \(.*Protobuf parsing failed/);
      console.info(`sherpa-onnx panel status: ${await host.getByTestId('transcript-status').textContent()}`);
      expect(rms(await recordElementEnvelope(listener, '#audio', 2000))).toBeGreaterThan(0.009);
      await host.getByLabel('Speech engine').selectOption('pocketsphinx');
      await expect.poll(() => host.getByTestId('transcript-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('running');
    } finally {
      modelServer.close();
    }
  });
});
