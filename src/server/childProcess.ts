import type { ChildProcess } from 'node:child_process';

/**
 * Ends a supervised child (Janus, livekit-server): SIGTERM, then SIGKILL if it has not exited
 * within `graceMs`; resolves once it has exited. A child that already exited resolves at once.
 */
export function terminateChild(child: ChildProcess | undefined, graceMs = 3000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
