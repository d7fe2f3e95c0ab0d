import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeLiveKitConfig, type ManagedLiveKitOptions } from './config.js';
import { terminateChild } from '../../childProcess.js';

const SETPRIV = '/usr/bin/setpriv';

/**
 * Runs a livekit-server of the Space server's own and restarts it whenever it exits, like
 * JanusSupervisor. Emits `spawn` (pid), `exit` (code, signal) and `error`.
 */
export class LiveKitSupervisor extends EventEmitter {
  private child?: ChildProcess;
  private stopping = false;
  private restarts = 0;
  private restartTimer?: NodeJS.Timeout;
  /** The HTTP base of its API (RoomService) and signaling. */
  readonly httpUrl: string;
  /** What clients connect to. */
  readonly wsUrl: string;

  constructor(
    private readonly options: ManagedLiveKitOptions,
    private readonly binary: string,
  ) {
    super();
    this.httpUrl = `http://${options.nodeIp}:${options.port}`;
    this.wsUrl = `ws://${options.nodeIp}:${options.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    this.stopping = false;
    this.launch(writeLiveKitConfig(this.options));
  }

  private launch(configFile: string): void {
    const log = createWriteStream(join(this.options.dir, 'livekit.log'), { flags: 'a' });
    let command = [this.binary, '--config', configFile];
    // livekit-server must not outlive the Space server (see JanusSupervisor).
    if (existsSync(SETPRIV)) command = [SETPRIV, '--pdeathsig', 'KILL', '--', ...command];
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    child.once('spawn', () => this.emit('spawn', child.pid));
    child.once('error', (err) => this.emit('error', new Error(`cannot run ${this.binary}: ${err.message} (scripts/setup-livekit.sh builds it)`)));
    child.once('exit', (code, signal) => {
      log.end();
      if (this.child === child) this.child = undefined;
      this.emit('exit', code, signal);
      if (this.stopping) return;
      const delay = Math.min(100 * 2 ** Math.min(this.restarts, 5), 3000);
      this.restarts++;
      this.restartTimer = setTimeout(() => this.launch(configFile), this.restarts === 1 ? 0 : delay);
      setTimeout(() => (this.restarts = 0), 30_000).unref();
    });
  }

  /** Resolves once its HTTP endpoint answers (or rejects after `timeoutMs`). */
  async ready(timeoutMs = 20_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        const res = await fetch(this.httpUrl, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        /* not yet */
      }
      if (Date.now() > until) throw new Error(`livekit-server did not answer at ${this.httpUrl} within ${timeoutMs} ms (see ${join(this.options.dir, 'livekit.log')})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await terminateChild(this.child);
  }
}
