import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * Process facts for benchmarks, read from /proc: CPU time (utime + stime of the process itself,
 * all its threads, not its children), resident memory, and helpers to pin processes to a core and
 * to raise the open-file limit. Linux only (like the rest of the media stack).
 */

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time of one process in milliseconds (utime + stime from /proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLK_TCK;
}

/** VmRSS of a process in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** A CPU meter over a wall-clock window: percent of one core. */
export class CpuMeter {
  private cpu0: number;
  private t0: number;
  constructor(private readonly pid: number) {
    this.cpu0 = cpuMs(pid);
    this.t0 = performance.now();
  }
  /** CPU milliseconds and wall milliseconds since the start (or the last reset). */
  read(): { cpuMs: number; wallMs: number; pct: number } {
    const c = cpuMs(this.pid) - this.cpu0;
    const w = performance.now() - this.t0;
    return { cpuMs: c, wallMs: w, pct: w > 0 ? (100 * c) / w : 0 };
  }
  reset(): void {
    this.cpu0 = cpuMs(this.pid);
    this.t0 = performance.now();
  }
}

/**
 * Raises this process's soft open-file limit to its hard limit (20,000 here, see ENVIRONMENT.md).
 * Children spawned afterwards (the Space server, its Janus, client processes) inherit it.
 */
export function raiseOpenFileLimit(): number {
  const hard = Number(execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim());
  try {
    execFileSync('prlimit', [`--pid=${process.pid}`, `--nofile=${hard}:${hard}`]);
  } catch {
    /* not permitted: keep the soft limit */
  }
  const soft = Number(/Max open files\s+(\d+)/.exec(readFileSync(`/proc/${process.pid}/limits`, 'utf8'))?.[1] ?? NaN);
  return soft;
}

/** Pins every thread of a process (and the threads it starts later) to one CPU. */
export function pin(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** The machine's load averages, for the report (other agents share this machine). */
export function load(): { load1: number; load5: number; load15: number } {
  const [load1, load5, load15] = loadavg().map((x) => Math.round(x * 100) / 100) as [number, number, number];
  return { load1, load5, load15 };
}

/** Children of a process (from /proc/<pid>/task/<pid>/children). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The Janus a Space server supervises: its pid file in the data dir, else a `janus` child. */
export async function findJanusPid(serverPid: number, dataDir: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    try {
      const pid = Number(readFileSync(`${dataDir}/janus/janus.pid`, 'utf8'));
      if (pid > 0 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('janus')) return pid;
    } catch {
      /* not written yet */
    }
    for (const child of childPids(serverPid)) {
      try {
        if (readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'janus') return child;
      } catch {
        /* gone */
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the Space server has no Janus child');
}

/**
 * Starts a bench helper module (TypeScript, run through tsx) as a child with an IPC channel,
 * optionally pinned to one CPU.
 */
export function spawnHelper(module: string, opts: { cpu?: number; env?: Record<string, string> } = {}): ChildProcess {
  const file = fileURLToPath(new URL(module, import.meta.url));
  const args = ['--import', 'tsx', file];
  const [cmd, argv] = opts.cpu === undefined ? [process.execPath, args] : ['taskset', ['-c', String(opts.cpu), process.execPath, ...args]];
  return spawn(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...opts.env } });
}

/** Request/response over a child's IPC channel: sends `msg` and resolves with the next reply. */
export function ask<T>(child: ChildProcess, msg: object, timeoutMs = 30 * 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`helper did not answer ${JSON.stringify(msg).slice(0, 80)}`)), timeoutMs);
    const onMessage = (m: unknown): void => done(undefined, m as T);
    const onExit = (code: number | null): void => done(new Error(`helper exited (${code})`));
    const done = (err?: Error, value?: T): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value as T);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(msg);
  });
}

/** Ends a child and waits for it (SIGTERM, then SIGKILL after 3 s). */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const cleanups = new Set<() => Promise<void> | void>();
let signalsHooked = false;

/**
 * Runs `fn` if the bench is interrupted (SIGINT/SIGTERM), so a stopped run leaves no server, Janus
 * or bot process behind; returns a function that unregisters it (call it once cleaned up normally).
 */
export function onAbort(fn: () => Promise<void> | void): () => void {
  cleanups.add(fn);
  if (!signalsHooked) {
    signalsHooked = true;
    const abort = (signal: string): void => {
      process.stderr.write(`[bench] ${signal}: stopping what the bench started\n`);
      void Promise.allSettled([...cleanups].map((f) => f())).then(() => process.exit(130));
      setTimeout(() => process.exit(130), 8000).unref();
    };
    process.once('SIGINT', () => abort('SIGINT'));
    process.once('SIGTERM', () => abort('SIGTERM'));
  }
  return () => cleanups.delete(fn);
}
