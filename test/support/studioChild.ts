import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A whole Studio (main-process services + web bridge) as a child process, optionally inside a
 * test machine's network namespace: what a test kills with SIGKILL or cuts off the network.
 */
export async function spawnStudio(opts: { port: number; dataDir: string; serverUrl?: string; netns?: string }): Promise<{ child: ChildProcess; url: string }> {
  const cmd = [process.execPath, '--import', 'tsx', 'src/main/headless.ts'];
  const child = opts.netns ? spawn('nsenter', [`--net=${opts.netns}`, ...cmd], { env: env(opts), stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(cmd[0]!, cmd.slice(1), { env: env(opts), stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = new RegExp(`(http://127\\.0\\.0\\.1:${opts.port}/\\?token=\\S+)`).exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error('the Studio exited before it was ready')));
  });
  return { child, url };
}

function env(opts: { port: number; dataDir: string; serverUrl?: string }): NodeJS.ProcessEnv {
  return { ...process.env, STUDIO_PORT: String(opts.port), STUDIO_DATA_DIR: opts.dataDir, ...(opts.serverUrl ? { STUDIO_SERVER_URL: opts.serverUrl } : {}) };
}
