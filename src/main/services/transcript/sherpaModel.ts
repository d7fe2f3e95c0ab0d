import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AppError } from '../../../shared/errors.js';

/** Why the sherpa-onnx engine cannot run: what the panel shows, and what tests assert on. */
export type SherpaProblem = 'missing' | 'corrupt' | 'archive' | 'layout' | 'model' | 'runtime';

/** A typed error for every way the sherpa-onnx engine can fail to load (an AppError, so IPC carries it). */
export class SherpaModelError extends AppError {
  constructor(
    readonly problem: SherpaProblem,
    message: string,
  ) {
    super(problem === 'runtime' ? 'internal' : 'invalid_state', `sherpa-onnx: ${message}`);
    this.name = 'SherpaModelError';
  }
}

/** The files of a streaming transducer (zipformer) model, as OnlineRecognizer wants them. */
export interface TransducerFiles {
  dir: string;
  encoder: string;
  decoder: string;
  joiner: string;
  tokens: string;
}

const STAMP = '.unpacked-from';

/**
 * Unpacks a model archive (`.tar.bz2` as published by sherpa-onnx, or `.tar.gz` / `.tar.xz` / `.tar`:
 * tar detects the compression) into `dest`, once per archive checksum (again if a file was deleted
 * or changed size since). Uses the system `tar` in a
 * child process (GNU tar on Linux, bsdtar on macOS and Windows 10+): it never blocks the main
 * process' event loop, and refuses members with `..` or absolute paths. A truncated or damaged
 * archive is a `SherpaModelError('archive')`; `dest` is only replaced once extraction succeeded.
 */
export async function unpackModel(archive: string, dest: string, sha256: string): Promise<string> {
  if (!existsSync(archive)) throw new SherpaModelError('missing', `the model archive ${basename(archive)} is missing: download the model again.`);
  if (unpackedIntact(dest, sha256)) return dest;
  const tmp = `${dest}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await new Promise<void>((resolve, reject) => {
      execFile('tar', ['-xf', archive, '-C', tmp, '--no-same-owner'], { timeout: 10 * 60_000, maxBuffer: 1 << 20 }, (err, _out, stderr) => {
        if (!err) return resolve();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return reject(new SherpaModelError('runtime', 'the system `tar` program is needed to unpack the model and was not found.'));
        const why = String(stderr).trim().split('\n').filter(Boolean).slice(-2).join('; ') || err.message;
        reject(new SherpaModelError('archive', `the model archive is damaged or incomplete and could not be unpacked (${why}): download it again.`));
      });
    });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  // The stamp: which archive this is, and every file with its size (a later deletion or truncation re-unpacks).
  const listing = Object.fromEntries(walk(tmp).map((f) => [f.slice(tmp.length + 1), statSync(f).size]));
  writeFileSync(join(tmp, STAMP), JSON.stringify({ sha256, files: listing }));
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  return dest;
}

function unpackedIntact(dest: string, sha256: string): boolean {
  try {
    const stamp = JSON.parse(readFileSync(join(dest, STAMP), 'utf8')) as { sha256: string; files: Record<string, number> };
    if (stamp.sha256 !== sha256) return false;
    return Object.entries(stamp.files).every(([f, size]) => statSync(join(dest, f)).size === size);
  } catch {
    return false;
  }
}

function walk(dir: string, depth = 0): string[] {
  if (depth > 3) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, depth + 1));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/**
 * Finds encoder/decoder/joiner `.onnx` and `tokens.txt` in one directory of an unpacked model
 * (the layout of sherpa-onnx's streaming zipformer archives, e.g.
 * `sherpa-onnx-streaming-zipformer-en-2023-06-26/encoder-epoch-99-avg-1-chunk-16-left-128.int8.onnx`).
 * Prefers the int8 files when both are there (about 3x faster on a laptop CPU).
 */
export function findTransducerFiles(root: string): TransducerFiles {
  const files = existsSync(root) ? walk(root) : [];
  const tokens = files.filter((f) => basename(f) === 'tokens.txt');
  for (const t of tokens) {
    const dir = t.slice(0, -'tokens.txt'.length - 1);
    const onnx = files.filter((f) => f.startsWith(`${dir}/`) && !f.slice(dir.length + 1).includes('/') && f.endsWith('.onnx'));
    const pick = (part: string): string | undefined => {
      const all = onnx.filter((f) => basename(f).toLowerCase().includes(part));
      return all.find((f) => f.endsWith('.int8.onnx')) ?? all[0];
    };
    const encoder = pick('encoder');
    const decoder = onnx.filter((f) => basename(f).toLowerCase().includes('decoder')).find((f) => !f.endsWith('.int8.onnx')) ?? pick('decoder');
    const joiner = pick('joiner');
    if (encoder && decoder && joiner) return { dir, encoder, decoder, joiner, tokens: t };
  }
  const seen = files.map((f) => f.slice(root.length + 1)).slice(0, 8).join(', ') || 'no files';
  throw new SherpaModelError('layout', `the model is not a streaming transducer (expected encoder, decoder and joiner .onnx files and tokens.txt in one folder; found ${seen}). Download a streaming zipformer model.`);
}

/** Checks the files are still there and not empty before the recognizer is asked to load them. */
export function checkTransducerFiles(files: TransducerFiles): void {
  for (const key of ['encoder', 'decoder', 'joiner', 'tokens'] as const) {
    const f = files[key];
    if (!existsSync(f)) throw new SherpaModelError('missing', `the model's ${key} file ${basename(f)} is missing: download the model again.`);
    if (statSync(f).size === 0) throw new SherpaModelError('corrupt', `the model's ${key} file ${basename(f)} is empty: download the model again.`);
  }
}

/** The OnlineRecognizer configuration for a transducer (16 kHz, 80 fbank, greedy search, endpointing on). */
export function recognizerConfig(files: TransducerFiles, numThreads: number): Record<string, unknown> {
  return {
    featConfig: { sampleRate: 16_000, featureDim: 80 },
    modelConfig: {
      transducer: { encoder: files.encoder, decoder: files.decoder, joiner: files.joiner },
      tokens: files.tokens,
      numThreads,
      provider: 'cpu',
      debug: 0,
    },
    decodingMethod: 'greedy_search',
    enableEndpoint: 1,
    // An utterance ends after 0.8 s of silence (1.2 s is sherpa-onnx's default): captions sooner.
    rule1MinTrailingSilence: 2.4,
    rule2MinTrailingSilence: 0.8,
    rule3MinUtteranceLength: 20,
  };
}

/**
 * Turns what the recognizer child process printed before it died into a typed error. onnxruntime
 * aborts the whole process on a model it cannot parse (`terminate called after throwing an instance
 * of 'Ort::Exception' ... Load model from X failed:Protobuf parsing failed.`), which is why it runs
 * in its own process.
 */
export function startupError(stderr: string, code: number | null, signal: string | null): SherpaModelError {
  const runtime = /^SHERPA_RUNTIME (.*)$/m.exec(stderr);
  if (runtime) return new SherpaModelError('runtime', `the sherpa-onnx-node runtime could not be loaded (npm install sherpa-onnx-node): ${runtime[1]}`);
  const load = /Load model from (.*?) failed:\s*(.*)$/m.exec(stderr);
  if (load) return new SherpaModelError('model', `the model file ${basename(load[1]!)} is damaged or not an ONNX model (${load[2]!.trim().replace(/\.$/, '')}): download the model again.`);
  const missing = /'([^']+)' does not exist/.exec(stderr);
  if (missing) return new SherpaModelError('missing', `the model file ${basename(missing[1]!)} is missing: download the model again.`);
  const config = /^SHERPA_CONFIG (.*)$/m.exec(stderr);
  const last = stderr.trim().split('\n').filter(Boolean).pop();
  return new SherpaModelError('model', `the recognizer could not load the model (${config?.[1] ?? last ?? (signal ? `signal ${signal}` : `exit code ${code}`)}).`);
}

/**
 * The recognizer process (CommonJS, run as `node -e`): loads sherpa-onnx-node from SHERPA_MODULE,
 * builds an OnlineRecognizer from SHERPA_CONFIG, prints `{"type":"ready"}`, then reads 16 kHz s16le
 * PCM from stdin and prints `{"type":"result","text":...,"final":...}` lines: partials when the
 * text changes, a final at each endpoint (then the stream is reset), and one at end of input.
 */
export const RECOGNIZER_CHILD = String.raw`
'use strict';
let sherpa;
try { sherpa = require(process.env.SHERPA_MODULE); }
catch (e) { process.stderr.write('SHERPA_RUNTIME ' + String(e && e.message || e).split('\n')[0] + '\n'); process.exit(2); }
let rec;
try { rec = new sherpa.OnlineRecognizer(JSON.parse(process.env.SHERPA_CONFIG)); }
catch (e) { process.stderr.write('SHERPA_CONFIG ' + String(e && e.message || e).split('\n')[0] + '\n'); process.exit(3); }
const stream = rec.createStream();
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
out({ type: 'ready' });
let last = '';
let carry = null;
const clean = (t) => String(t || '').trim().toLowerCase();
function decode(final) {
  while (rec.isReady(stream)) rec.decode(stream);
  const text = clean(rec.getResult(stream).text);
  if (final || rec.isEndpoint(stream)) {
    if (text || last) out({ type: 'result', text, final: true });
    rec.reset(stream);
    last = '';
  } else if (text !== last) {
    last = text;
    out({ type: 'result', text, final: false });
  }
}
process.stdin.on('data', (d) => {
  const buf = carry ? Buffer.concat([carry, d]) : d;
  const n = buf.length >> 1;
  carry = buf.length & 1 ? Buffer.from(buf.subarray(n * 2)) : null;
  const samples = new Float32Array(n);
  for (let i = 0; i < n; i++) samples[i] = buf.readInt16LE(i * 2) / 32768;
  stream.acceptWaveform({ samples, sampleRate: 16000 });
  decode(false);
});
process.stdin.on('end', () => {
  stream.acceptWaveform({ samples: new Float32Array(8000), sampleRate: 16000 });
  stream.inputFinished();
  decode(true);
  process.exit(0);
});
`;
