import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { AppError } from '../../../shared/errors.js';
import type { ModelStatus } from '../../../shared/transcript.js';
import type { EngineEvents, SpeechEngine } from './engine.js';

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
          res.on('error', reject);
          res.on('aborted', () => reject(new AppError('timeout', 'the model download was interrupted; start it again to resume')));
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

/** The subset of sherpa-onnx-node this engine uses (it is an optional dependency). */
export type SherpaRuntimeLoader = () => Promise<unknown>;

/**
 * sherpa-onnx streaming recognizer behind the same interface. The runtime (`sherpa-onnx-node`) is
 * optional and the model must be downloaded by the user; `start` refuses with a message that says
 * which of the two is missing or damaged. (No model can be downloaded on the project's build
 * machines: the loading and error paths are what is tested; see README.)
 */
export class SherpaOnnxEngine extends EventEmitter<EngineEvents> implements SpeechEngine {
  readonly name = 'sherpa-onnx' as const;
  readonly pid = undefined;
  private running = false;

  constructor(
    private readonly models: SpeechModelStore,
    private readonly loadRuntime: SherpaRuntimeLoader = () => import(/* @vite-ignore */ 'sherpa-onnx-node' as string),
  ) {
    super();
  }

  async start(): Promise<void> {
    const model = await this.models.verify();
    if (model.state !== 'ready') throw new AppError('invalid_state', `sherpa-onnx: ${model.message ?? model.state}`);
    try {
      await this.loadRuntime();
    } catch (err) {
      throw new AppError('internal', `sherpa-onnx: the sherpa-onnx-node runtime is not installed (npm install sherpa-onnx-node): ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
    // A model archive that verified but is not a streaming transducer cannot be used either.
    throw new AppError('internal', 'sherpa-onnx: this build cannot unpack the model archive yet; use pocketsphinx');
  }

  write(): boolean {
    return this.running;
  }

  async stop(): Promise<void> {
    this.running = false;
  }
}
