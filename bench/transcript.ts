import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { SignalingClient } from '../src/shared/signalingClient.js';
import { launchChromium } from '../test/support/browser.js';
import { requireNetns, startTestServer, tempDir } from '../test/support/stack.js';
import { PocketsphinxEngine } from '../src/main/services/transcript/pocketsphinx.js';
import { TranscriptService } from '../src/main/services/transcript/transcriptService.js';
import { percentile, round1 } from './stats.js';

/**
 * The transcript engine's numbers (pocketsphinx through GStreamer, the Studio's default engine):
 *  - wer: word error rate over a fixed set of espeak-ng sentences (edit distance / reference words);
 *  - rtf: real-time factor, engine time / audio time, the whole set fed as fast as it accepts it;
 *  - caption_latency_p50_ms: end of an utterance (its last voiced 20 ms frame, the sentences fed in
 *    real time in 100 ms chunks as the renderer sends them) to its final caption appearing in the
 *    DOM of a listener page in Chromium: the real path Studio transcript service -> `caption.post`
 *    -> Space server (its own Janus; the Space is live with a host on the stage) -> WebSocket ->
 *    listener page. One clock: Node and Chromium run on the same machine; the page stamps each new
 *    final caption with performance.timeOrigin + performance.now() from a MutationObserver on
 *    #captions, Node stamps the end of speech with Date.now(). Also reported: the Studio-side part
 *    (end of utterance -> the segment leaving the service), caption_studio_p50_ms.
 */
export const description = 'transcript: WER on fixed espeak sentences, real-time factor, end of utterance -> final caption on a listener page p50';

const SENTENCES = [
  'Welcome to the show.',
  'The microphone is ready.',
  'Thank you for listening to the radio.',
  'Today we talk about music and the weather.',
  'Please send your questions to the host.',
  'We will be right back after the break.',
];

function words(s: string): string[] {
  return s.toLowerCase().replace(/[^a-z' ]+/g, ' ').split(/\s+/).filter(Boolean);
}

function editDistance(a: string[], b: string[]): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

function pcmOf(dir: string, i: number, text: string): Buffer {
  const wav = join(dir, `s${i}.wav`);
  const raw = join(dir, `s${i}.raw`);
  execFileSync('espeak-ng', ['-v', 'en-us', '-s', '140', '-w', wav, text]);
  execFileSync('sox', [wav, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed', raw, 'pad', '0.3', '1.2']);
  return readFileSync(raw);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function run(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const dir = tempDir('bench-transcript');
  const clips = SENTENCES.map((s, i) => pcmOf(dir, i, s));

  // WER and RTF: one engine, every sentence as fast as it goes, one final per sentence.
  const engine = new PocketsphinxEngine();
  const finals: string[] = [];
  engine.on('result', (r) => r.final && finals.push(r.text));
  await engine.start();
  const audioMs = clips.reduce((t, c) => t + (c.length / 32_000) * 1000, 0);
  const t0 = performance.now();
  for (const [i, clip] of clips.entries()) {
    engine.write(clip);
    while (finals.length <= i) await sleep(5);
  }
  const rtf = (performance.now() - t0) / audioMs;
  await engine.stop();
  let errors = 0;
  let total = 0;
  for (const [i, s] of SENTENCES.entries()) {
    errors += editDistance(words(s), words(finals[i] ?? ''));
    total += words(s).length;
  }
  const wer = errors / total;

  // Caption latency: the Studio's transcript service fed in real time, its captions posted to a
  // live Space on a real Space server, shown on a listener page in Chromium.
  requireNetns();
  const server = await startTestServer({ dataDir: tempDir('bench-transcript-server'), janusWsPort: 8244 });
  const browser = await launchChromium();
  const clients: SignalingClient[] = [];
  const leftAt = new Map<string, number>();
  let svc: TranscriptService | undefined;
  let shownAt: Record<string, number> = {};
  try {
    const host = new SignalingClient(server.url.replace(/^http/, 'ws') + '/ws', (u) => new WebSocket(u) as never, 15_000);
    clients.push(host);
    await host.connect();
    await host.request('auth.register', { handle: 'bench_captions', displayName: 'Bench host', password: 'caption bench password' });
    const { space } = await host.request('space.create', { title: 'Caption latency bench' });
    await host.request('space.join', { spaceId: space.id });
    // The host goes on stage (a silent WebRTC track from a Chromium page): the Space is live.
    const hostPage = await (await browser.newContext()).newPage();
    const offer = (await hostPage.evaluate(HOST_OFFER)) as string;
    const { sdp } = await host.request('stage.join', { spaceId: space.id, sdp: offer });
    await hostPage.evaluate((answer) => (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription({ type: 'answer', sdp: answer }), sdp);
    // The listener: the real page, Listen pressed, captions on (the default).
    const listener = await (await browser.newContext()).newPage();
    await listener.goto(`${server.url}/s/${space.id}`);
    await listener.getByRole('button', { name: 'Listen' }).click({ timeout: 15_000 });
    await listener.getByRole('button', { name: 'Leave' }).waitFor({ timeout: 15_000 });
    await watchCaptions(listener);

    svc = new TranscriptService({
      dataDir: dir,
      emit: () => undefined,
      post: async (spaceId, segment) => {
        if (segment.final) leftAt.set(segment.id, Date.now());
        await host.request('caption.post', { spaceId, segment });
      },
    });
    await svc.startTranscript({ spaceId: space.id, engine: 'pocketsphinx' });
    const start = Date.now();
    let sent = 0;
    for (const clip of clips) {
      for (let i = 0; i < clip.length; i += 3200) {
        svc.transcriptPcm({ pcm: clip.subarray(i, i + 3200).toString('base64') });
        sent += 100;
        await sleep(Math.max(0, start + sent - Date.now()));
      }
    }
    await sleep(2500);
    shownAt = await listener.evaluate(() => (window as unknown as { captionShownAt: Record<string, number> }).captionShownAt);
    await svc.stopTranscript();
  } finally {
    svc?.dispose();
    for (const c of clients) c.close();
    await browser.close();
    await server.close();
  }
  const ended = (id: string): number => svc!.speechEndedAt.get(id) ?? NaN;
  const latencies = Object.entries(shownAt).map(([id, t]) => t - ended(id)).filter((x) => Number.isFinite(x));
  const studioLatencies = [...leftAt].map(([id, t]) => t - ended(id)).filter((x) => Number.isFinite(x));

  const result = {
    wer: Math.round(wer * 1000) / 1000,
    rtf: Math.round(rtf * 1000) / 1000,
    caption_latency_p50_ms: round1(percentile(latencies, 50)),
    caption_latency_p95_ms: round1(percentile(latencies, 95)),
    caption_studio_p50_ms: round1(percentile(studioLatencies, 50)),
    utterances: latencies.length,
    sentences: SENTENCES.length,
  };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    console.log('transcript (pocketsphinx via gst-launch-1.0)');
    console.log(`  sentences                ${SENTENCES.length} (espeak-ng en-us, 140 wpm)`);
    console.log(`  WER                      ${(wer * 100).toFixed(1)} %`);
    console.log(`  real-time factor         ${rtf.toFixed(3)}`);
    console.log(`  caption latency p50/p95  ${result.caption_latency_p50_ms} / ${result.caption_latency_p95_ms} ms (end of utterance -> final caption on the listener page, ${latencies.length} utterances; target p50 <= 1000 ms)`);
    console.log(`    of which Studio side   ${result.caption_studio_p50_ms} ms p50 (end of utterance -> segment leaving the Studio)`);
    for (const [i, s] of SENTENCES.entries()) console.log(`    "${s}" -> "${finals[i] ?? ''}"`);
  }
  return 0;
}

/** Runs in a blank page: a peer connection with one silent audio track, its offer once ICE gathering is done. */
const HOST_OFFER = `(async () => {
  const ctx = new AudioContext();
  const dest = ctx.createMediaStreamDestination();
  const pc = new RTCPeerConnection({ iceServers: [] });
  window.pc = pc;
  window.keep = [ctx, dest];
  pc.addTrack(dest.stream.getAudioTracks()[0], dest.stream);
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') {
    await new Promise((r) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()));
  }
  return pc.localDescription.sdp;
})()`;

/** Stamps each final caption when it first appears in the listener page's DOM (wall clock, ms). */
async function watchCaptions(page: Page): Promise<void> {
  await page.evaluate(() => {
    const shown: Record<string, number> = {};
    (window as unknown as { captionShownAt: Record<string, number> }).captionShownAt = shown;
    const box = document.getElementById('captions')!;
    new MutationObserver(() => {
      const t = performance.timeOrigin + performance.now();
      box.querySelectorAll<HTMLElement>('.caption.final').forEach((el) => {
        const id = el.dataset.segmentId;
        if (id && !(id in shown)) shown[id] = t;
      });
    }).observe(box, { childList: true, subtree: true });
  });
}
