import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { TakeInfo, DiskInfo } from '../../src/shared/multitrack.js';
import { readWavInfo } from '../../src/main/services/multitrack/wav.js';
import { tempDir } from '../support/stack.js';

/**
 * A take on a small filesystem that fills up: a 4 MB tmpfs mounted in a private mount namespace
 * (`unshare -m`; the real disk is never touched). The Studio's recorder says beforehand that
 * less than a minute fits, stops the take by itself with a clear message, and every file it
 * leaves is a WAV that sox (a real player) reads to the end.
 */
describe('a take on a disk that fills up', () => {
  let holder: ChildProcess;
  afterAll(() => holder?.kill('SIGKILL'));

  it('stops cleanly with a clear message and leaves every file playable', async () => {
    const dir = tempDir('small-disk');
    holder = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=4m tmpfs ${dir} && echo mounted && exec sleep 600`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.once('data', () => resolve());
      holder.once('exit', (code) => reject(new Error(`could not mount the small filesystem (exit ${code})`)));
    });
    const out = execFileSync('nsenter', [`--mount=/proc/${holder.pid}/ns/mnt`, `--wd=${process.cwd()}`, process.execPath, '--import', 'tsx', join(process.cwd(), 'test/support/takeDiskChild.ts'), dir], { encoding: 'utf8', timeout: 60_000 });
    const { before, take, calls } = JSON.parse(out.trim().split('\n').pop()!) as { before: DiskInfo; take: TakeInfo; calls: number };
    console.info(`before: ${before.minutesLeft.toFixed(2)} min fit (${before.freeBytes} B free); stopped after ${calls} chunks: ${take.message}`);
    expect(before.low).toBe(true);
    expect(before.minutesLeft).toBeLessThan(1);
    expect(take.status).toBe('stopped');
    expect(take.message).toMatch(/disk is full/);
    expect(take.durationMs).toBeGreaterThan(1000);
    // The files as they are on that filesystem (seen through the namespace's root).
    for (const t of take.tracks) {
      const file = join(`/proc/${holder.pid}/root`, t.file);
      const info = readWavInfo(file);
      expect(info.dataBytes).toBe(info.fileDataBytes);
      expect(info.dataBytes % 3).toBe(0);
      // What a player reads is what the header says, is what the file holds.
      const seconds = Number(execFileSync('soxi', ['-D', file], { encoding: 'utf8' }));
      expect(Math.abs(seconds * t.sampleRate * 3 - info.dataBytes)).toBeLessThan(3);
      if (t.kind === 'mic') expect(Math.abs(seconds * 1000 - take.durationMs)).toBeLessThan(2);
      execFileSync('sox', [file, '-n', 'stat'], { stdio: 'ignore' }); // decodes to the end, or throws
    }
  });
});
