import { execFile, spawn } from 'node:child_process';
import { AppError } from '../../../shared/errors.js';
import { ProcessEngine, type EngineResult, type SpeechEngine } from './engine.js';

/** The pipeline from ENVIRONMENT.md: PCM on stdin, pocketsphinx's messages on stdout (`-m`). */
export const GST_ARGS = [
  '-m', 'fdsrc', 'fd=0', '!',
  'rawaudioparse', 'format=pcm', 'pcm-format=s16le', 'sample-rate=16000', 'num-channels=1', '!',
  'audioconvert', '!', 'audioresample', '!', 'pocketsphinx', '!', 'fakesink',
];

const MESSAGE = /\(element\): pocketsphinx, .*?final=\(boolean\)(true|false).*?hypothesis=\(string\)(.*?);?\s*$/;

/** Parses one line of `gst-launch-1.0 -m` output into a result, or null if it is not one. */
export function parsePocketsphinxLine(line: string): EngineResult | null {
  const m = MESSAGE.exec(line);
  if (!m) return null;
  let value = m[2]!.trim();
  if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  const text = value.replace(/\\(.)/g, '$1').replace(/\s+/g, ' ').trim();
  return { text: text === 'NULL' || text === '(null)' ? '' : text, final: m[1] === 'true' };
}

/** Whether the GStreamer pocketsphinx element is installed (`gst-inspect-1.0 pocketsphinx`). */
export function pocketsphinxAvailability(inspect = process.env.GST_INSPECT ?? 'gst-inspect-1.0'): Promise<{ available: boolean; reason: string | null }> {
  return new Promise((resolve) => {
    execFile(inspect, ['pocketsphinx'], { timeout: 10_000 }, (err) =>
      resolve(err ? { available: false, reason: `pocketsphinx: the GStreamer pocketsphinx plugin is not installed (gstreamer1.0-tools, gstreamer1.0-pocketsphinx): ${err.message.split('\n')[0]}` } : { available: true, reason: null }),
    );
  });
}

/**
 * Pocketsphinx through GStreamer (Debian packages, offline, no download): one `gst-launch-1.0`
 * child process per run. Audio goes to its stdin; partial and final hypotheses come back as bus
 * messages on stdout.
 */
export class PocketsphinxEngine extends ProcessEngine implements SpeechEngine {
  readonly name = 'pocketsphinx' as const;

  constructor(private readonly binary = process.env.GST_LAUNCH ?? 'gst-launch-1.0') {
    super();
  }

  start(): Promise<void> {
    this.stopping = false;
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, GST_ARGS, { stdio: ['pipe', 'pipe', 'pipe'] });
      this.child = child;
      let started = false;
      let stderr = '';
      let buffered = '';
      child.stdin!.on('error', () => undefined); // EPIPE after a crash: the exit handler reports it
      child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      child.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          if (!started && /Setting pipeline to PAUSED|Pipeline is PREROLLING/.test(line)) {
            started = true;
            resolve();
          }
          const r = parsePocketsphinxLine(line);
          if (r) this.emit('result', r);
        }
      });
      child.on('error', (err) => {
        if (!started) reject(new AppError('internal', `cannot run ${this.binary} (install gstreamer1.0-tools and gstreamer1.0-pocketsphinx): ${err.message}`));
      });
      child.on('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        if (!started) {
          const missing = /no element "pocketsphinx"/.test(stderr) ? ' (the GStreamer pocketsphinx plugin is missing: install gstreamer1.0-pocketsphinx)' : '';
          reject(new AppError('internal', `the speech engine could not start${missing}: ${stderr.trim().split('\n').pop() ?? `exit ${code}`}`));
          return;
        }
        if (!this.stopping) this.emit('crash', signal ? `signal ${signal}` : `exit code ${code}`);
      });
    });
  }

}
