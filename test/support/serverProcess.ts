import { spawn, type ChildProcess } from 'node:child_process';

/**
 * The Space server as its own process (as in production), for tests and benchmarks that kill or
 * restart it. Resolves when /healthz answers.
 */
export async function startServerProcess(opts: { port: number; dataDir: string; env?: Record<string, string> }): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  // The bundled server (npm run build) starts in a fraction of the time tsx needs.
  const child = spawn(process.execPath, ['out/server/main.js'], {
    env: { ...process.env, SPACES_PORT: String(opts.port), SPACES_DATA_DIR: opts.dataDir, JANUS_ICE_ENFORCE_LIST: 'd0', ...opts.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://${opts.env?.SPACES_HOST ?? '127.0.0.1'}:${opts.port}`;
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('the Space server exited during start-up');
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return { url, child, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the Space server did not start');
}
