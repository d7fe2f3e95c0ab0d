import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { terminateChild } from './childProcess.js';

describe('terminateChild', () => {
  it('ends a child with SIGTERM and resolves when it has exited', async () => {
    const child = spawn('sleep', ['30']);
    await terminateChild(child);
    expect(child.signalCode).toBe('SIGTERM');
  });

  it('kills a child that ignores SIGTERM after the grace period', async () => {
    const child = spawn('sh', ['-c', 'trap "" TERM; sleep 30 & wait; sleep 30']);
    await new Promise((r) => setTimeout(r, 100));
    await terminateChild(child, 200);
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('resolves at once for a child that is gone', async () => {
    await expect(terminateChild(undefined)).resolves.toBeUndefined();
  });
});
