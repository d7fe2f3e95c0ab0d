import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { z } from 'zod';

/**
 * A thin client for PulseAudio (and PipeWire's pulse server) through `pactl`: JSON listings,
 * module load/unload, and `pactl subscribe` for hot-plug events. Plain TypeScript, no Electron.
 * The server it talks to is whatever the environment says (PULSE_SERVER, or the user's session).
 */

const Props = z.record(z.string(), z.unknown()).catch({});

const PaDevice = z.object({
  index: z.number(),
  name: z.string(),
  description: z.string().catch(''),
  owner_module: z.union([z.number(), z.string()]).catch(-1),
  sample_specification: z.string().catch(''),
  monitor_source: z.string().optional(),
  monitor_of_sink: z.string().optional(),
  properties: Props,
});
export type PaDevice = z.infer<typeof PaDevice> & { channels: number; sampleRate: number; props: Record<string, string> };

export const PaInfo = z.object({
  server_name: z.string().catch(''),
  server_version: z.string().catch(''),
  default_sink_name: z.string().nullable().catch(null),
  default_source_name: z.string().nullable().catch(null),
});
export type PaInfo = z.infer<typeof PaInfo>;

/** Parses `pactl -f json list sinks|sources`; tolerant of fields a server leaves out. */
export function parseDevices(json: string): PaDevice[] {
  const raw = JSON.parse(json) as unknown;
  if (!Array.isArray(raw)) throw new Error('pactl: expected a JSON array');
  const out: PaDevice[] = [];
  for (const item of raw) {
    const d = PaDevice.safeParse(item);
    if (!d.success) continue;
    const spec = /(\d+)ch (\d+)Hz/.exec(d.data.sample_specification);
    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.data.properties)) if (typeof v === 'string') props[k] = v;
    out.push({ ...d.data, channels: spec ? Number(spec[1]) : 0, sampleRate: spec ? Number(spec[2]) : 0, props });
  }
  return out;
}

export type SubscribeEvent = { type: 'new' | 'change' | 'remove'; facility: string; index: number };

/** Parses one line of `pactl subscribe`: `Event 'new' on source #5`. */
export function parseSubscribeLine(line: string): SubscribeEvent | null {
  const m = /^Event '(new|change|remove)' on ([a-z-]+) #(\d+)/.exec(line.trim());
  return m ? { type: m[1] as SubscribeEvent['type'], facility: m[2]!, index: Number(m[3]) } : null;
}

/** Quotes a module argument value for PulseAudio's modargs parser. */
export function quoteArg(value: string): string {
  if (/["'\\]/.test(value)) throw new Error(`unsupported character in module argument: ${value}`);
  return /\s/.test(value) ? `"${value}"` : value;
}

/** `a=1 b="two words"` as one proplist argument value (wrapped in single quotes for modargs). */
export function proplistArg(props: Record<string, string>): string {
  return `'${Object.entries(props)
    .map(([k, v]) => `${k}=${quoteArg(v)}`)
    .join(' ')}'`;
}

export class PactlError extends Error {
  constructor(
    message: string,
    readonly code: 'not_installed' | 'no_server' | 'failed',
  ) {
    super(message);
  }
}

export interface PulseOptions {
  /** The pactl executable (default: `pactl` on PATH). */
  pactl?: string;
  /** Environment for pactl (default: this process's). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export class PulseAudio {
  private readonly bin: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly timeoutMs: number;

  constructor(opts: PulseOptions = {}) {
    this.bin = opts.pactl ?? 'pactl';
    this.env = opts.env ?? process.env;
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  run(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.bin, args, { env: this.env, timeout: this.timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        reject(toPactlError(err, String(stderr)));
      });
    });
  }

  /** Synchronous variant for shutdown paths (Electron's will-quit cannot wait for promises). */
  runSync(args: string[]): string {
    try {
      return execFileSync(this.bin, args, { env: this.env, timeout: this.timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    } catch (err) {
      throw toPactlError(err as Error, String((err as { stderr?: unknown }).stderr ?? ''));
    }
  }

  async info(): Promise<PaInfo> {
    return PaInfo.parse(JSON.parse(await this.run(['-f', 'json', 'info'])));
  }

  async sinks(): Promise<PaDevice[]> {
    return parseDevices(await this.run(['-f', 'json', 'list', 'sinks']));
  }

  async sources(): Promise<PaDevice[]> {
    return parseDevices(await this.run(['-f', 'json', 'list', 'sources']));
  }

  async loadModule(name: string, args: string[]): Promise<number> {
    const out = (await this.run(['load-module', name, ...args])).trim();
    const index = Number(out);
    if (!Number.isInteger(index)) throw new PactlError(`pactl load-module ${name}: unexpected output "${out}"`, 'failed');
    return index;
  }

  async unloadModule(index: number): Promise<void> {
    await this.run(['unload-module', String(index)]);
  }

  unloadModuleSync(index: number): void {
    this.runSync(['unload-module', String(index)]);
  }

  /**
   * Starts `pactl subscribe`. `onEvent` gets every parsed line; `onExit` fires once when the
   * subscription ends (the server went away, or `stop()` was called).
   */
  subscribe(onEvent: (e: SubscribeEvent) => void, onExit: (reason: string) => void): { stop(): void } {
    let child: ChildProcess;
    let done = false;
    const finish = (reason: string): void => {
      if (done) return;
      done = true;
      onExit(reason);
    };
    try {
      child = spawn(this.bin, ['subscribe'], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      queueMicrotask(() => finish((err as Error).message));
      return { stop: () => undefined };
    }
    let buf = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const e = parseSubscribeLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (e) onEvent(e);
      }
    });
    child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-500)));
    child.on('error', (err) => finish(err.message));
    child.on('exit', (code, signal) => finish(stderr.trim() || `pactl subscribe ended (${signal ?? code})`));
    return {
      stop: () => {
        done = true;
        child.kill('SIGTERM');
      },
    };
  }
}

function toPactlError(err: Error & { code?: unknown }, stderr: string): PactlError {
  if (err.code === 'ENOENT') return new PactlError('pactl is not installed (PulseAudio or PipeWire with pipewire-pulse is needed for routing)', 'not_installed');
  const msg = stderr.trim() || err.message;
  if (/Connection (refused|failure)|pa_context_connect|No such file or directory|Access denied/i.test(msg)) {
    return new PactlError(`no PulseAudio/PipeWire sound server is reachable (${msg.split('\n')[0]})`, 'no_server');
  }
  return new PactlError(msg, 'failed');
}
