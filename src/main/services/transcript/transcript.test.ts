import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, truncateSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvents, SpeechEngine } from './engine.js';
import { PocketsphinxEngine, parsePocketsphinxLine } from './pocketsphinx.js';
import { SherpaOnnxEngine, SpeechModelStore } from './sherpaOnnx.js';
import { TranscriptService } from './transcriptService.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'transcript-'));

describe('pocketsphinx output', () => {
  it('parses partial and final hypotheses, escaped or bare', () => {
    expect(parsePocketsphinxLine('Got message #42 from element "pocketsphinx0" (element): pocketsphinx, timestamp=(guint64)256000000, final=(boolean)false, confidence=(glong)0, hypothesis=(string)will;')).toEqual({ text: 'will', final: false });
    expect(parsePocketsphinxLine(`Got message #59 from element "pocketsphinx0" (element): pocketsphinx, timestamp=(guint64)1, final=(boolean)true, confidence=(glong)4294763848, hypothesis=(string)"don\\'t\\ oh\\ show";`)).toEqual({ text: "don't oh show", final: true });
    expect(parsePocketsphinxLine('Setting pipeline to PLAYING ...')).toBeNull();
  });

  it('the real engine (gst-launch child process) transcribes espeak speech', { timeout: 30_000 }, async () => {
    const dir = tmp();
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '140', '-w', join(dir, 'a.wav'), 'Welcome to the show. The microphone is ready.']);
    execFileSync('sox', [join(dir, 'a.wav'), '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed', join(dir, 'a.raw'), 'pad', '0', '1.5']);
    const engine = new PocketsphinxEngine();
    const finals: string[] = [];
    engine.on('result', (r) => r.final && finals.push(r.text));
    await engine.start();
    expect(engine.pid).toBeGreaterThan(0);
    const raw = readFileSync(join(dir, 'a.raw'));
    for (let i = 0; i < raw.length; i += 3200) engine.write(raw.subarray(i, i + 3200));
    await expect.poll(() => finals.length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(finals.join(' ')).toMatch(/welcome|show|microphone|ready/);
    await engine.stop();
    expect(engine.pid).toBeUndefined();
  });

  it('at the end of input, pocketsphinx reports the utterance in progress as final and exits', { timeout: 30_000 }, async () => {
    const dir = tmp();
    execFileSync('espeak-ng', ['-v', 'en-us', '-w', join(dir, 'b.wav'), 'the microphone is ready for the show']);
    execFileSync('sox', [join(dir, 'b.wav'), '-r', '16000', '-c', '1', '-b', '16', '-t', 'raw', join(dir, 'b.raw')]);
    const engine = new PocketsphinxEngine();
    const results: { text: string; final: boolean }[] = [];
    engine.on('result', (r) => results.push(r));
    await engine.start();
    // No silence after the words: the engine has no pause to end the utterance on.
    engine.write(readFileSync(join(dir, 'b.raw')));
    await engine.finish(10_000);
    expect(engine.pid).toBeUndefined();
    const last = results.at(-1);
    expect(last?.final).toBe(true);
    expect(last?.text).toMatch(/microphone|ready|show/);
  });
});

class FakeEngine extends EventEmitter<EngineEvents> implements SpeechEngine {
  readonly name = 'pocketsphinx' as const;
  pid: number | undefined = 1234;
  written = 0;
  async start(): Promise<void> {}
  write(pcm: Buffer): boolean {
    this.written += pcm.length;
    return true;
  }
  /** What the engine still recognizes at the end of input (reported as its final), if anything. */
  atEnd: string | null = null;
  async finish(): Promise<void> {
    await new Promise((r) => setTimeout(r, 30)); // the engine works through what it still holds
    if (this.atEnd !== null) this.emit('result', { text: this.atEnd, final: true });
    this.pid = undefined;
  }
  async stop(): Promise<void> {
    this.pid = undefined;
  }
}

const tone = (ms: number, amp: number): string => {
  const n = (16 * ms) | 0;
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(amp * Math.sin(i / 3)), i * 2);
  return b.toString('base64');
};

describe('TranscriptService', () => {
  it('times segments from the audio, labels the speaker, posts captions, restarts a crashed engine', async () => {
    const engines: FakeEngine[] = [];
    const events: { event: string; payload: unknown }[] = [];
    const posted: unknown[] = [];
    const svc = new TranscriptService({
      dataDir: tmp(),
      emit: (event, payload) => events.push({ event, payload }),
      post: async (_id, s) => void posted.push(s),
      createEngine: () => (engines.push(new FakeEngine()), engines.at(-1)!),
      restartDelayMs: 10,
    });
    svc.observe({ type: 'space.roster', roster: { spaceId: 'abcdefghij', stage: [{ id: 'a_hostxx', displayName: 'Hosty', handle: null, role: 'host', onStage: true, muted: false, speaking: false, present: true }], producers: [], audience: [], requests: [] } });
    svc.observe({ type: 'space.speaking', spaceId: 'abcdefghij', memberId: 'a_hostxx', speaking: true });
    const st = await svc.startTranscript({ spaceId: 'abcdefghij', engine: 'pocketsphinx' });
    expect(st.state).toBe('running');
    expect(svc.transcriptPcm({ pcm: tone(500, 0) })).toEqual({ accepted: true }); // 0.5 s silence
    svc.transcriptPcm({ pcm: tone(400, 8000) }); // speech from 500 to 900 ms
    engines[0]!.emit('result', { text: 'hello', final: false });
    svc.transcriptPcm({ pcm: tone(300, 0) });
    engines[0]!.emit('result', { text: 'hello there', final: true });
    const { segments } = svc.getTranscript();
    expect(segments).toEqual([{ id: 's1', startMs: 500, endMs: 900, text: 'hello there', final: true, speakerId: 'a_hostxx', speakerName: 'Hosty', engine: 'pocketsphinx' }]);
    expect(posted).toHaveLength(2);
    expect(svc.exportTranscript({ format: 'txt' }).content).toBe('[00:00:00] Hosty: hello there\n');
    expect(() => svc.transcriptPcm({ pcm: 'AAAA' })).toThrow(/whole 16-bit/);

    engines[0]!.emit('crash', 'signal SIGKILL');
    expect(svc.getTranscriptStatus()).toMatchObject({ state: 'restarting', restarts: 1 });
    expect(svc.getTranscriptStatus().message).toMatch(/SIGKILL.*broadcast is not affected/);
    expect(svc.transcriptPcm({ pcm: tone(100, 0) })).toEqual({ accepted: false });
    await expect.poll(() => svc.getTranscriptStatus().state).toBe('running');
    expect(engines).toHaveLength(2);
    expect(svc.transcriptPcm({ pcm: tone(100, 0) })).toEqual({ accepted: true });
    expect(events.some((e) => e.event === 'onTranscriptStatus')).toBe(true);
    svc.dispose();
  });
});

describe('TranscriptService at End', () => {
  const setup = () => {
    const engines: FakeEngine[] = [];
    const posted: { text: string; final: boolean }[] = [];
    const svc = new TranscriptService({
      dataDir: tmp(),
      emit: () => undefined,
      // The server answers a while later: End must wait for it.
      post: (_id, s) => new Promise((r) => setTimeout(() => (posted.push(s), r()), 50)),
      createEngine: () => (engines.push(new FakeEngine()), engines.at(-1)!),
    });
    return { svc, engines, posted };
  };

  it("the engine's final at the end of input is posted before End goes on", async () => {
    const { svc, engines, posted } = setup();
    await svc.startTranscript({ spaceId: 'abcdefghij', engine: 'pocketsphinx' });
    svc.transcriptPcm({ pcm: tone(2000, 8000) }); // speech still going on at End
    engines[0]!.emit('result', { text: 'we are still talk', final: false });
    engines[0]!.atEnd = 'we are still talking';
    const st = await svc.finishForEnd('abcdefghij');
    expect(st.state).toBe('stopped');
    expect(posted.filter((s) => s.final).map((s) => s.text)).toEqual(['we are still talking']);
    expect(svc.getTranscript().segments.map((s) => s.text)).toEqual(['we are still talking']);
    expect(svc.transcriptPcm({ pcm: tone(100, 8000) })).toEqual({ accepted: false });
  });

  it('an engine that gives no final at the end: its last partial is kept and posted', async () => {
    const { svc, engines, posted } = setup();
    await svc.startTranscript({ spaceId: 'abcdefghij', engine: 'pocketsphinx' });
    svc.transcriptPcm({ pcm: tone(1000, 8000) });
    engines[0]!.emit('result', { text: 'the last words', final: false });
    await svc.finishForEnd('abcdefghij');
    expect(posted.filter((s) => s.final).map((s) => s.text)).toEqual(['the last words']);
  });

  it('another Space ending leaves this transcript running', async () => {
    const { svc, posted } = setup();
    await svc.startTranscript({ spaceId: 'abcdefghij', engine: 'pocketsphinx' });
    expect((await svc.finishForEnd('zzzzzzzzzz')).state).toBe('running');
    expect(posted).toEqual([]);
    svc.dispose();
  });
});

describe('sherpa-onnx model store and engine', () => {
  const body = Buffer.from('not really an onnx model '.repeat(4000));
  const sha = createHash('sha256').update(body).digest('hex');
  let cut = 0;
  let server: Server;
  let base = '';
  afterAll(() => server?.close());

  it('downloads with progress, resumes a partial file, verifies the checksum, reports missing/corrupt', async () => {
    const ranges: string[] = [];
    server = createServer((req, res) => {
      const range = req.headers.range;
      ranges.push(range ?? '');
      const from = range ? Number(/bytes=(\d+)-/.exec(range)![1]) : 0;
      if (req.url === '/bad') return res.writeHead(200, { 'Content-Length': 5 }).end('wrong');
      if (cut) {
        // The first attempt dies half way.
        res.writeHead(200, { 'Content-Length': body.length });
        res.write(body.subarray(0, cut));
        cut = 0;
        setTimeout(() => res.destroy(), 20);
        return;
      }
      res.writeHead(range ? 206 : 200, { 'Content-Length': body.length - from }).end(body.subarray(from));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const statuses: string[] = [];
    const dir = tmp();
    const store = new SpeechModelStore(dir, (s) => statuses.push(s.state));
    expect(store.status().state).toBe('missing');
    const engine = new SherpaOnnxEngine(store, async () => 'sherpa-onnx-node');
    await expect(engine.start()).rejects.toThrow(/No speech model yet/);

    await expect(store.download(`${base}/bad`, sha)).rejects.toThrow(/does not match its checksum/);
    cut = 40_000;
    await expect(store.download(`${base}/model`, sha)).rejects.toThrow();
    expect(existsSync(`${store.file}.partial`)).toBe(true);
    const s = await store.download(`${base}/model`, sha);
    expect(ranges.at(-1)).toBe('bytes=40000-');
    expect(s.state).toBe('ready');
    expect(statuses).toContain('downloading');
    expect(readFileSync(store.file).equals(body)).toBe(true);

    // Loads past the model check; the runtime is what is missing here.
    const noRuntime = new SherpaOnnxEngine(store, async () => {
      throw new Error("Cannot find package 'sherpa-onnx-node'");
    });
    await expect(noRuntime.start()).rejects.toThrow(/sherpa-onnx-node runtime is not installed/);

    // Same size, different bytes: the checksum catches it.
    const damaged = Buffer.from(body);
    damaged[10] = 0;
    writeFileSync(store.file, damaged);
    expect((await store.verify()).state).toBe('corrupt');
    await expect(engine.start()).rejects.toThrow(/checksum mismatch/);
    truncateSync(store.file, 10);
    expect(store.status().state).toBe('corrupt');
  });
});
