import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';

const SETPRIV = '/usr/bin/setpriv';
const PRLIMIT = '/usr/bin/prlimit';

/**
 * The hard open-file limit of this process: Janus needs a descriptor or more per PeerConnection,
 * and the usual soft limit (1024) caps a node near a few hundred listeners.
 */
function hardOpenFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const hard = line?.trim().split(/\s+/)[4];
    return hard && /^\d+$/.test(hard) ? Number(hard) : null;
  } catch {
    return null;
  }
}
import { DEBIAN_JANUS_LIB, writeJanusConfig, type ManagedJanusOptions } from './config.js';
import { terminateChild } from '../childProcess.js';

export type JanusSupervisorOptions = Omit<ManagedJanusOptions, 'pluginsFolder' | 'transportsFolder'> & {
  binary?: string;
  libFolder?: string;
};

/**
 * Runs a Janus process of the server's own and restarts it whenever it exits (crash, kill).
 * Emits `exit` (code, signal) and `spawn` (pid). The media layer reconnects and rebuilds rooms.
 */
export class JanusSupervisor extends EventEmitter {
  private child?: ChildProcess;
  private stopping = false;
  private restarts = 0;
  private restartTimer?: NodeJS.Timeout;
  readonly url: string;

  constructor(private readonly options: JanusSupervisorOptions) {
    super();
    this.url = `ws://${options.wsHost}:${options.wsPort}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    this.killLeftover();
    const lib = this.options.libFolder ?? DEBIAN_JANUS_LIB;
    const configFile = writeJanusConfig({
      ...this.options,
      pluginsFolder: join(lib, 'plugins'),
      transportsFolder: join(lib, 'transports'),
    });
    this.stopping = false;
    this.launch(configFile);
  }

  private launch(configFile: string): void {
    const log = createWriteStream(join(this.options.dir, 'janus.log'), { flags: 'a' });
    const args = ['-F', this.options.dir, '-C', configFile, '-o'];
    let command = [this.options.binary ?? 'janus', ...args];
    // Raise Janus' open-file limit to the hard limit (util-linux prlimit execs Janus in place).
    const nofile = hardOpenFileLimit();
    if (nofile && existsSync(PRLIMIT)) command = [PRLIMIT, `--nofile=${nofile}:${nofile}`, '--', ...command];
    // Janus must not outlive the server (a SIGKILLed server cannot stop it): where util-linux's
    // setpriv is available, the kernel kills Janus when its parent dies (kept across exec).
    if (existsSync(SETPRIV)) command = [SETPRIV, '--pdeathsig', 'KILL', '--', ...command];
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    child.once('spawn', () => {
      writeFileSync(this.pidFile, String(child.pid));
      this.emit('spawn', child.pid);
    });
    child.once('error', (err) => this.emit('error', err));
    child.once('exit', (code, signal) => {
      log.end();
      if (this.child === child) this.child = undefined;
      this.emit('exit', code, signal);
      if (this.stopping) return;
      // Restart at once the first time; back off a little if it keeps dying.
      const delay = Math.min(50 * 2 ** Math.min(this.restarts, 6), 3000);
      this.restarts++;
      this.restartTimer = setTimeout(() => this.launch(configFile), this.restarts === 1 ? 0 : delay);
      setTimeout(() => (this.restarts = 0), 30_000).unref();
    });
  }

  private get pidFile(): string {
    return join(this.options.dir, 'janus.pid');
  }

  /**
   * A Janus left running by a server that was killed (SIGKILL leaves its children) still holds
   * our ports: end it, but only if it really is a Janus started with our config folder.
   */
  private killLeftover(): void {
    let pid: number;
    try {
      pid = Number(readFileSync(this.pidFile, 'utf8'));
    } catch {
      return;
    }
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes('janus') && cmd.includes(this.options.dir)) {
        process.kill(pid, 'SIGKILL');
        // Wait (briefly, synchronously: this runs once at start-up) until it is dead. A killed
        // orphan may linger as a zombie until something reaps it; a zombie holds no ports.
        const alive = (): boolean => {
          try {
            const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
            return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
          } catch {
            return false;
          }
        };
        for (let i = 0; i < 200 && alive(); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      }
    } catch {
      /* not running */
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await terminateChild(this.child);
  }
}
