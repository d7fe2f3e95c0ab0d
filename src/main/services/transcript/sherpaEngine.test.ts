import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { findTransducerFiles, RECOGNIZER_CHILD, SherpaModelError, startupError, unpackModel } from './sherpaModel.js';
import { SherpaOnnxEngine, SpeechModelStore } from './sherpaOnnx.js';
import { TranscriptService } from './transcriptService.js';

/**
 * The sherpa-onnx engine with the real `sherpa-onnx-node` runtime (a dependency) but no real model:
 * none can be downloaded on our build machines. What is tested is everything up to the model's
 * weights: archive unpacking (system tar), layout detection, missing / empty / damaged files, the
 * recognizer child process failing on a damaged .onnx with a typed error, and availability.
 */
const tmp = (): string => mkdtempSync(join(tmpdir(), 'sherpa-'));
const MODEL = 'sherpa-onnx-streaming-zipformer-en-2023-06-26';

/** A .tar.bz2 with the layout of sherpa-onnx's streaming zipformer archives; the .onnx files are not ONNX. */
function fakeArchive(opts: { omit?: string } = {}): Buffer {
  const root = tmp();
  const dir = join(root, MODEL);
  mkdirSync(dir);
  const names = [
    'encoder-epoch-99-avg-1-chunk-16-left-128.onnx',
    'encoder-epoch-99-avg-1-chunk-16-left-128.int8.onnx',
    'decoder-epoch-99-avg-1-chunk-16-left-128.onnx',
    'joiner-epoch-99-avg-1-chunk-16-left-128.onnx',
    'joiner-epoch-99-avg-1-chunk-16-left-128.int8.onnx',
    'tokens.txt',
  ];
  for (const n of names) if (!opts.omit || !n.startsWith(opts.omit)) writeFileSync(join(dir, n), n === 'tokens.txt' ? '<blk> 0\n<sos/eos> 1\na 2\n' : `not an onnx model: ${n}\n`.repeat(50));
  execFileSync('tar', ['-cjf', join(root, 'model.tar.bz2'), '-C', root, MODEL]);
  return readFileSync(join(root, 'model.tar.bz2'));
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('sherpa-onnx model unpacking', () => {
  it('unpacks a streaming zipformer .tar.bz2 once, finds its files (int8 encoder/joiner preferred)', async () => {
    const dir = tmp();
    const archive = fakeArchive();
    writeFileSync(join(dir, 'model.bin'), archive);
    const out = await unpackModel(join(dir, 'model.bin'), join(dir, 'model'), sha(archive));
    const files = findTransducerFiles(out);
    expect(files.encoder).toMatch(new RegExp(`${MODEL}/encoder-.*\\.int8\\.onnx$`));
    expect(files.decoder).toMatch(/decoder-epoch-99-avg-1-chunk-16-left-128\.onnx$/);
    expect(files.joiner).toMatch(/joiner-.*\.int8\.onnx$/);
    expect(files.tokens).toMatch(/tokens\.txt$/);
    // Second call: already unpacked for this checksum, so the folder is kept as it is.
    writeFileSync(join(out, 'marker'), '1');
    await unpackModel(join(dir, 'model.bin'), join(dir, 'model'), sha(archive));
    expect(readFileSync(join(out, 'marker'), 'utf8')).toBe('1');
    rmSync(join(dir, 'model.bin'));
    await expect(unpackModel(join(dir, 'model.bin'), join(dir, 'model'), sha(archive))).rejects.toMatchObject({ problem: 'missing' });
  });

  it('a truncated archive is a typed "archive" error and leaves nothing half-unpacked', async () => {
    const dir = tmp();
    const archive = fakeArchive();
    writeFileSync(join(dir, 'model.bin'), archive.subarray(0, Math.floor(archive.length / 2)));
    const err = await unpackModel(join(dir, 'model.bin'), join(dir, 'model'), 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SherpaModelError);
    expect(err).toMatchObject({ problem: 'archive', code: 'invalid_state' });
    expect((err as Error).message).toMatch(/^sherpa-onnx: the model archive is damaged or incomplete and could not be unpacked \(.+\): download it again\.$/);
    expect(() => findTransducerFiles(join(dir, 'model'))).toThrow(/not a streaming transducer/);
  });

  it('an archive without a joiner is a typed "layout" error naming what is there', async () => {
    const dir = tmp();
    const archive = fakeArchive({ omit: 'joiner' });
    writeFileSync(join(dir, 'model.bin'), archive);
    const out = await unpackModel(join(dir, 'model.bin'), join(dir, 'model'), sha(archive));
    const err = (() => {
      try {
        findTransducerFiles(out);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ problem: 'layout' });
    expect((err as Error).message).toMatch(/expected encoder, decoder and joiner \.onnx files and tokens\.txt.*found .*encoder-epoch/);
  });
});

describe('sherpa-onnx engine (real runtime, no real model)', () => {
  let server: Server;
  let base = '';
  const served = new Map<string, Buffer>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = served.get(req.url ?? '');
      if (!body) return res.writeHead(404).end();
      res.writeHead(200, { 'Content-Length': body.length }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server?.close());

  /** A store whose "downloaded" model is `body` (through the real download + checksum path). */
  async function storeWith(body: Buffer): Promise<SpeechModelStore> {
    const path = `/m${served.size}.tar.bz2`;
    served.set(path, body);
    const store = new SpeechModelStore(tmp());
    expect((await store.download(`${base}${path}`, sha(body))).state).toBe('ready');
    return store;
  }

  it('reports itself unavailable with the reason: no model, then no runtime', async () => {
    const store = new SpeechModelStore(tmp());
    expect(await new SherpaOnnxEngine(store).availability()).toEqual({ available: false, reason: expect.stringMatching(/^sherpa-onnx: No speech model yet/) });
    const noRuntime = new SherpaOnnxEngine(store, async () => {
      throw new Error("Cannot find module 'sherpa-onnx-node'");
    });
    expect(await noRuntime.availability()).toEqual({ available: false, reason: expect.stringMatching(/sherpa-onnx-node runtime is not installed.*Cannot find module/) });
    const ready = await storeWith(fakeArchive());
    expect(await new SherpaOnnxEngine(ready).availability()).toEqual({ available: true, reason: null });
  });

  it('a damaged .onnx in a verified archive: the recognizer process dies, start rejects with a typed "model" error, this process is fine', { timeout: 60_000 }, async () => {
    const engine = new SherpaOnnxEngine(await storeWith(fakeArchive()));
    const err = await engine.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SherpaModelError);
    expect(err).toMatchObject({ problem: 'model', code: 'invalid_state' });
    // onnxruntime's own words, file named: "Load model from .../x.onnx failed:Protobuf parsing failed."
    expect((err as Error).message).toMatch(/^sherpa-onnx: the model file (encoder|decoder|joiner)-epoch-99-avg-1-chunk-16-left-128(\.int8)?\.onnx is damaged or not an ONNX model \(.*Protobuf parsing failed.*\): download the model again\.$/);
    expect(engine.pid).toBeUndefined();
    expect(engine.write(Buffer.alloc(320))).toBe(false);
  });

  it('a file deleted from the unpacked model is restored from the verified archive; a deleted archive is a typed "missing" error', async () => {
    const store = await storeWith(fakeArchive());
    const engine = new SherpaOnnxEngine(store);
    const files = await engine.prepare();
    rmSync(files.joiner);
    expect((await engine.prepare()).joiner).toBe(files.joiner);
    expect(existsSync(files.joiner)).toBe(true);
    rmSync(store.file);
    await expect(engine.start()).rejects.toMatchObject({ problem: 'missing', message: expect.stringMatching(/^sherpa-onnx: No speech model yet/) });
  });

  it('the recognizer process with a config naming a missing file exits, and that is a typed "missing" error', async () => {
    const config = { featConfig: { sampleRate: 16000, featureDim: 80 }, modelConfig: { transducer: { encoder: '/nonexistent/encoder.onnx', decoder: '/nonexistent/decoder.onnx', joiner: '/nonexistent/joiner.onnx' }, tokens: '/nonexistent/tokens.txt', numThreads: 1, provider: 'cpu', debug: 0 } };
    const r = spawnSync(process.execPath, ['-e', RECOGNIZER_CHILD], { env: { ...process.env, SHERPA_MODULE: createRequire(import.meta.url).resolve('sherpa-onnx-node'), SHERPA_CONFIG: JSON.stringify(config) }, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^SHERPA_CONFIG /m);
    expect(startupError(r.stderr, r.status, null)).toMatchObject({ problem: 'missing', message: 'sherpa-onnx: the model file tokens.txt is missing: download the model again.' });
  });

  it('a truncated archive that matches its checksum fails at unpacking, typed', async () => {
    const archive = fakeArchive();
    const engine = new SherpaOnnxEngine(await storeWith(archive.subarray(0, archive.length - 200)));
    await expect(engine.start()).rejects.toMatchObject({ problem: 'archive' });
  });

  it('the runtime missing is a typed "runtime" error', async () => {
    const engine = new SherpaOnnxEngine(await storeWith(fakeArchive()), { loadRuntime: async () => '/nonexistent/sherpa-onnx-node' });
    await expect(engine.start()).rejects.toMatchObject({ problem: 'runtime', message: expect.stringMatching(/sherpa-onnx-node runtime could not be loaded.*Cannot find module/) });
  });

  it('the recognizer loop (with a stand-in for the native recognizer): PCM in, partials then a final at the endpoint, crash reported', { timeout: 30_000 }, async () => {
    // Same API as sherpa-onnx-node's OnlineRecognizer; "hears" one word per 200 ms of loud audio,
    // and ends the utterance after 800 ms of silence, like rule2MinTrailingSilence.
    const fake = join(tmp(), 'fake-sherpa.cjs');
    writeFileSync(fake, `
      class OnlineRecognizer {
        constructor(config) { if (!config.modelConfig.transducer.encoder.endsWith('.int8.onnx')) throw new Error('bad config'); }
        createStream() { return { loud: 0, quiet: 0, pending: [], acceptWaveform(o) { this.pending.push(o.samples); }, inputFinished() {} }; }
        isReady(s) { return s.pending.length > 0; }
        decode(s) {
          const all = s.pending.shift();
          for (let o = 0; o < all.length; o += 1600) {
            const x = all.subarray(o, o + 1600);
            let acc = 0; for (const v of x) acc += v * v;
            if (Math.sqrt(acc / x.length) > 0.05) { s.loud += x.length; s.quiet = 0; } else if (s.loud) s.quiet += x.length;
          }
        }
        getResult(s) { return { text: Array(Math.floor(s.loud / 3200)).fill('WORD').join(' ') }; }
        isEndpoint(s) { return s.loud > 0 && s.quiet >= 12800; }
        reset(s) { s.loud = 0; s.quiet = 0; }
      }
      module.exports = { OnlineRecognizer };`);
    const engine = new SherpaOnnxEngine(await storeWith(fakeArchive()), { loadRuntime: async () => fake });
    const results: { text: string; final: boolean }[] = [];
    const crashes: string[] = [];
    engine.on('result', (r) => results.push(r));
    engine.on('crash', (r) => crashes.push(r));
    await engine.start();
    onTestFinished(() => engine.stop());
    expect(engine.pid).toBeGreaterThan(0);
    const chunk = (ms: number, amp: number): Buffer => {
      const b = Buffer.alloc(ms * 32);
      for (let i = 0; i < ms * 16; i++) b.writeInt16LE(Math.round(amp * Math.sin(i / 3)), i * 2);
      return b;
    };
    // 600 ms of "speech" then 1 s of silence, in 100 ms chunks a little apart (as the renderer sends them).
    for (let i = 0; i < 16; i++) {
      expect(engine.write(chunk(100, i < 6 ? 8000 : 0))).toBe(true);
      await new Promise((r) => setTimeout(r, 25));
    }
    await expect.poll(() => results.some((r) => r.final), { timeout: 10_000 }).toBe(true);
    // Partials grow (how many depends on how stdin chunks arrive), then the final.
    const partials = results.filter((r) => !r.final).map((r) => r.text);
    expect(partials.length).toBeGreaterThan(0);
    expect(partials.at(-1)).toBe('word word word');
    expect(results.find((r) => r.final)).toEqual({ text: 'word word word', final: true });
    process.kill(engine.pid!, 'SIGKILL');
    await expect.poll(() => crashes).toEqual(['signal SIGKILL']);
    expect(engine.write(chunk(100, 0))).toBe(false);
    await engine.stop();
  });

  it('the transcript service reports the failure as the panel shows it, and lists engine availability', { timeout: 60_000 }, async () => {
    const statuses: { state: string; message: string | null }[] = [];
    const svc = new TranscriptService({
      dataDir: tmp(),
      emit: (event, payload) => event === 'onTranscriptStatus' && statuses.push(payload as never),
      post: async () => undefined,
    });
    const { engines } = await svc.getSpeechEngines();
    expect(engines).toEqual([
      { name: 'pocketsphinx', available: true, reason: null },
      { name: 'sherpa-onnx', available: false, reason: expect.stringMatching(/No speech model yet/) },
    ]);
    const st = await svc.startTranscript({ spaceId: null, engine: 'sherpa-onnx' });
    expect(st).toMatchObject({ engine: 'sherpa-onnx', state: 'failed', message: expect.stringMatching(/^sherpa-onnx: No speech model yet/) });
    svc.dispose();
  });
});
