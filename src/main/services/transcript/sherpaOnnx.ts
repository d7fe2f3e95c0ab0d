import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../../shared/errors.js';
import type { ModelStatus } from '../../../shared/transcript.js';
import { ProcessEngine, type SpeechEngine } from './engine.js';
import { checkTransducerFiles, findTransducerFiles, RECOGNIZER_CHILD, recognizerConfig, SherpaModelError, startupError, unpackModel, type TransducerFiles } from './sherpaModel.js';

const sha256File = (file: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });

interface Manifest {
  url: string;
  sha256: string;
  bytes: number;
}

/**
 * The sherpa-onnx model in the Studio's data dir: downloaded on the user's request with progress,
 * resumed where a previous download stopped (HTTP Range), verified against its SHA-256 before it
 * is used, and re-verified when the engine loads it (a corrupt file is reported, never loaded).
 *
 * Files: `model.bin` (the verified model archive), `model.bin.partial` (a download in progress),
 * `model.json` (url, sha256, size of the verified file).
 */
export class SpeechModelStore {
  readonly dir: string;
  private downloading = false;
  private progress = { bytes: 0, totalBytes: null as number | null };

  constructor(
    dataDir: string,
    private readonly onStatus: (s: ModelStatus) => void = () => undefined,
  ) {
    this.dir = join(dataDir, 'models', 'sherpa-onnx');
  }

  get file(): string {
    return join(this.dir, 'model.bin');
  }

  private get partial(): string {
    return `${this.file}.partial`;
  }

  private get manifestFile(): string {
    return join(this.dir, 'model.json');
  }

  private manifest(): Manifest | null {
    try {
      return JSON.parse(readFileSync(this.manifestFile, 'utf8')) as Manifest;
    } catch {
      return null;
    }
  }

  /** The SHA-256 the verified model was downloaded with (null before a download). */
  checksum(): string | null {
    return this.manifest()?.sha256 ?? null;
  }

  /** Cheap status (size only); `verify` checks the hash. */
  status(): ModelStatus {
    if (this.downloading) return { state: 'downloading', ...this.progress, message: null };
    const m = this.manifest();
    if (!m || !existsSync(this.file)) {
      const partial = existsSync(this.partial) ? statSync(this.partial).size : 0;
      return { state: 'missing', bytes: partial, totalBytes: null, message: 'No speech model yet: download one to use the sherpa-onnx engine.' };
    }
    const size = statSync(this.file).size;
    if (size !== m.bytes) return { state: 'corrupt', bytes: size, totalBytes: m.bytes, message: 'The speech model file is damaged (wrong size): download it again.' };
    return { state: 'ready', bytes: size, totalBytes: size, message: null };
  }

  /** Full check: the file's SHA-256 must match the one it was downloaded with. */
  async verify(): Promise<ModelStatus> {
    const s = this.status();
    if (s.state !== 'ready') return s;
    const m = this.manifest()!;
    if ((await sha256File(this.file)) !== m.sha256) {
      return { state: 'corrupt', bytes: s.bytes, totalBytes: m.bytes, message: 'The speech model file is damaged (checksum mismatch): download it again.' };
    }
    return s;
  }

  /** Downloads (resuming a partial file from the same URL) and verifies; the model is replaced only when the hash matches. */
  async download(url: string, sha256: string): Promise<ModelStatus> {
    if (this.downloading) throw new AppError('invalid_state', 'a model download is already running');
    mkdirSync(this.dir, { recursive: true });
    this.downloading = true;
    try {
      const sourceFile = `${this.partial}.source`;
      const sameSource = existsSync(sourceFile) && readFileSync(sourceFile, 'utf8') === `${url}\n${sha256}`;
      if (!sameSource) rmSync(this.partial, { force: true });
      writeFileSync(sourceFile, `${url}\n${sha256}`);
      let offset = existsSync(this.partial) ? statSync(this.partial).size : 0;
      const res = await request(url, offset);
      if (res.statusCode === 416) {
        res.resume();
      } else {
        if (res.statusCode !== 200 && res.statusCode !== 206) {
          res.resume();
          throw new AppError('not_found', `the model download failed: HTTP ${res.statusCode}`);
        }
        if (res.statusCode === 200) offset = 0; // the server ignored the range: start over
        const length = Number(res.headers['content-length'] ?? NaN);
        this.progress = { bytes: offset, totalBytes: Number.isFinite(length) ? offset + length : null };
        this.onStatus(this.status());
        await new Promise<void>((resolve, reject) => {
          const out = createWriteStream(this.partial, { flags: offset > 0 ? 'a' : 'w' });
          let last = 0;
          res.on('data', (d: Buffer) => {
            this.progress.bytes += d.length;
            if (Date.now() - last > 100) {
              last = Date.now();
              this.onStatus(this.status());
            }
          });
          // On failure, close the partial file (what was written stays, for resuming).
          const fail = (err: Error): void => {
            res.unpipe(out);
            out.end(() => reject(err));
          };
          res.on('error', fail);
          res.on('aborted', () => fail(new AppError('timeout', 'the model download was interrupted; start it again to resume')));
          out.on('error', reject);
          out.on('finish', () => resolve());
          res.pipe(out);
        });
      }
      const hash = await sha256File(this.partial);
      if (hash !== sha256) {
        rmSync(this.partial, { force: true });
        throw new AppError('invalid_state', `the downloaded model does not match its checksum (got ${hash.slice(0, 12)}…): it was deleted; try again`);
      }
      renameSync(this.partial, this.file);
      rmSync(sourceFile, { force: true });
      writeFileSync(this.manifestFile, JSON.stringify({ url, sha256, bytes: statSync(this.file).size } satisfies Manifest));
    } finally {
      this.downloading = false;
    }
    const s = this.status();
    this.onStatus(s);
    return s;
  }
}

function request(url: string, offset: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, timeout: 30_000 }, resolve);
    req.on('timeout', () => req.destroy(new AppError('timeout', 'the model server did not answer')));
    req.on('error', (err) => reject(AppError.from(err)));
  });
}

/**
 * Finds the runtime (`sherpa-onnx-node`, a dependency with prebuilt binaries for linux/mac/windows)
 * and resolves to the module path the recognizer process loads. Rejects when it is not installed.
 */
export type SherpaRuntimeLoader = () => Promise<string>;

const defaultRuntime: SherpaRuntimeLoader = async () => createRequire(import.meta.url).resolve('sherpa-onnx-node');

export interface SherpaEngineOptions {
  loadRuntime?: SherpaRuntimeLoader;
  /** The executable that runs the recognizer script (Node, or Electron as Node). */
  execPath?: string;
  numThreads?: number;
  /** How long the model may take to load before start gives up. */
  startTimeoutMs?: number;
}

/**
 * sherpa-onnx streaming recognizer (OnlineRecognizer, a zipformer transducer) behind the same
 * interface as pocketsphinx. `start` verifies the downloaded archive (SHA-256), unpacks it once
 * (system tar, `sherpaModel.ts`), finds encoder/decoder/joiner/tokens, and runs the recognizer in a
 * child process (Node, or Electron with ELECTRON_RUN_AS_NODE): PCM on stdin, JSON result lines on
 * stdout. A separate process rather than a worker thread because onnxruntime aborts the whole
 * process on a damaged model; here that becomes a typed `SherpaModelError` and the UI is untouched.
 */
export class SherpaOnnxEngine extends ProcessEngine implements SpeechEngine {
  readonly name = 'sherpa-onnx' as const;
  private readonly opts: Required<SherpaEngineOptions>;

  constructor(
    private readonly models: SpeechModelStore,
    opts: SherpaEngineOptions | SherpaRuntimeLoader = {},
  ) {
    super();
    const o = typeof opts === 'function' ? { loadRuntime: opts } : opts;
    this.opts = {
      loadRuntime: o.loadRuntime ?? defaultRuntime,
      execPath: o.execPath ?? process.env.SHERPA_NODE ?? process.execPath,
      numThreads: o.numThreads ?? Math.max(1, Math.min(2, cpus().length - 1)),
      startTimeoutMs: o.startTimeoutMs ?? 60_000,
    };
  }

  /** Whether the engine can start, and if not why (runtime missing, no model, damaged model). Cheap: no hashing, no unpacking. */
  async availability(): Promise<{ available: boolean; reason: string | null }> {
    try {
      await this.opts.loadRuntime();
    } catch (err) {
      return { available: false, reason: runtimeMissing(err).message };
    }
    const model = this.models.status();
    if (model.state !== 'ready') return { available: false, reason: `sherpa-onnx: ${model.message ?? model.state}` };
    return { available: true, reason: null };
  }

  /** Verifies (SHA-256), unpacks (once) and locates the model files; every failure is a SherpaModelError. */
  async prepare(): Promise<TransducerFiles> {
    await this.verifyModel();
    return this.unpack();
  }

  private async verifyModel(): Promise<void> {
    const model = await this.models.verify();
    if (model.state !== 'ready') throw new SherpaModelError(model.state === 'missing' ? 'missing' : 'corrupt', model.message ?? model.state);
  }

  /** Unpacks the verified archive (once; again if files went missing from the unpacked folder). */
  private async unpack(): Promise<TransducerFiles> {
    const dir = await unpackModel(this.models.file, join(this.models.dir, 'model'), this.models.checksum()!);
    const files = findTransducerFiles(dir);
    checkTransducerFiles(files);
    return files;
  }

  async start(): Promise<void> {
    this.stopping = false;
    await this.verifyModel();
    let modulePath: string;
    try {
      modulePath = await this.opts.loadRuntime();
    } catch (err) {
      throw runtimeMissing(err);
    }
    const files = await this.unpack();
    const child = spawn(this.opts.execPath, ['-e', RECOGNIZER_CHILD], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', SHERPA_MODULE: modulePath, SHERPA_CONFIG: JSON.stringify(recognizerConfig(files, this.opts.numThreads)) },
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let started = false;
      let stderr = '';
      let buffered = '';
      const timer = setTimeout(() => {
        if (started) return;
        child.kill('SIGKILL');
        reject(new SherpaModelError('model', `the model did not load within ${Math.round(this.opts.startTimeoutMs / 1000)} s.`));
      }, this.opts.startTimeoutMs);
      child.stdin!.on('error', () => undefined); // EPIPE after a crash: the exit handler reports it
      child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      child.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          let msg: { type?: string; text?: unknown; final?: unknown };
          try {
            msg = JSON.parse(line) as typeof msg;
          } catch {
            continue;
          }
          if (msg.type === 'ready' && !started) {
            started = true;
            clearTimeout(timer);
            resolve();
          } else if (msg.type === 'result' && typeof msg.text === 'string') {
            this.emit('result', { text: msg.text, final: msg.final === true });
          }
        }
      });
      child.on('error', (err) => {
        if (started) return;
        clearTimeout(timer);
        reject(new SherpaModelError('runtime', `cannot run the recognizer process (${this.opts.execPath}): ${err.message}`));
      });
      child.on('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        if (!started) {
          clearTimeout(timer);
          reject(startupError(stderr, code, signal));
          return;
        }
        if (!this.stopping) this.emit('crash', signal ? `signal ${signal}` : `exit code ${code}`);
      });
    });
  }

}

function runtimeMissing(err: unknown): SherpaModelError {
  return new SherpaModelError('runtime', `the sherpa-onnx-node runtime is not installed (npm install sherpa-onnx-node): ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
}
