import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../test/support/stack.js';
import { PocketsphinxEngine } from '../src/main/services/transcript/pocketsphinx.js';
import { TranscriptService } from '../src/main/services/transcript/transcriptService.js';
import { percentile, round1 } from './stats.js';

/**
 * The transcript engine's numbers (pocketsphinx through GStreamer, the Studio's default engine):
 *  - wer: word error rate over a fixed set of espeak-ng sentences (edit distance / reference words);
 *  - rtf: real-time factor, engine time / audio time, the whole set fed as fast as it accepts it;
 *  - caption_latency_p50_ms: end of an utterance (its last voiced 20 ms frame, fed in real time in
 *    100 ms chunks as the renderer sends them) to its final caption segment leaving the Studio's
 *    transcript service for the Space server. Not included: the server's WebSocket hop to the
 *    listener page (one local message; the e2e test shows captions arrive there).
 */
export const description = 'transcript: WER on fixed espeak sentences, real-time factor, end of utterance -> final caption p50';

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

  // Caption latency: the Studio's transcript service, fed in real time.
  const leftAt = new Map<string, number>();
  const svc = new TranscriptService({
    dataDir: dir,
    emit: () => undefined,
    post: async (_spaceId, segment) => void (segment.final && leftAt.set(segment.id, Date.now())),
  });
  await svc.startTranscript({ spaceId: 'benchbench', engine: 'pocketsphinx' });
  const start = Date.now();
  let sent = 0;
  for (const clip of clips) {
    for (let i = 0; i < clip.length; i += 3200) {
      svc.transcriptPcm({ pcm: clip.subarray(i, i + 3200).toString('base64') });
      sent += 100;
      await sleep(Math.max(0, start + sent - Date.now()));
    }
  }
  await sleep(2000);
  const latencies = [...leftAt].map(([id, t]) => t - svc.speechEndedAt.get(id)!).filter((x) => Number.isFinite(x));
  await svc.stopTranscript();
  svc.dispose();

  const result = {
    wer: Math.round(wer * 1000) / 1000,
    rtf: Math.round(rtf * 1000) / 1000,
    caption_latency_p50_ms: round1(percentile(latencies, 50)),
    caption_latency_p95_ms: round1(percentile(latencies, 95)),
    utterances: latencies.length,
    sentences: SENTENCES.length,
  };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    console.log('transcript (pocketsphinx via gst-launch-1.0)');
    console.log(`  sentences                ${SENTENCES.length} (espeak-ng en-us, 140 wpm)`);
    console.log(`  WER                      ${(wer * 100).toFixed(1)} %`);
    console.log(`  real-time factor         ${rtf.toFixed(3)}`);
    console.log(`  caption latency p50/p95  ${result.caption_latency_p50_ms} / ${result.caption_latency_p95_ms} ms (${latencies.length} utterances; target p50 <= 1000 ms)`);
    for (const [i, s] of SENTENCES.entries()) console.log(`    "${s}" -> "${finals[i] ?? ''}"`);
  }
  return 0;
}
