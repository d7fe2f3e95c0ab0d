import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStudioDb } from '../../src/main/services/studioDb.js';
import { ScheduleStore } from '../../src/main/services/scheduleStore.js';
import { tempDir } from '../support/stack.js';

const CHILD = fileURLToPath(new URL('../support/scheduleCrashChild.ts', import.meta.url));
const ROUNDS = Number(process.env.SCHEDULE_CRASH_ROUNDS ?? 100);

/** Runs the writer in a child process and SIGKILLs it after a random delay; returns the acknowledged edits. */
function writeUntilKilled(dir: string, round: number, killAfterMs: number): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Map<string, string>();
    let buf = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        const m = /^ack (\S+) (\S+)$/.exec(line);
        if (m) acked.set(m[1]!, m[2]!);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`writer exited by itself (${code}): ${stderr}`));
    });
  });
}

describe('crash safety of the Studio schedule store', () => {
  it(`SIGKILL at random points during ${ROUNDS} rounds of writes: the database opens cleanly and every acknowledged edit is there`, { timeout: 600_000 }, async () => {
    const dir = tempDir('crash');
    const latest = new Map<string, string>();
    let totalAcked = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const acked = await writeUntilKilled(dir, round, 5 + Math.floor(Math.random() * 120));
      totalAcked += acked.size;
      for (const [id, title] of acked) latest.set(id, title);

      const db = openStudioDb(join(dir, 'studio.db'));
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const store = new ScheduleStore(db);
        for (const [id, title] of latest) {
          const item = store.get(id);
          expect(item, `acknowledged Space ${id} is missing after round ${round}`).toBeDefined();
          // The stored edit is the acknowledged one or a later one (committed just before the kill).
          expect(item!.fields.title >= title, `round ${round}: ${id} has ${item!.fields.title}, acknowledged ${title}`).toBe(true);
        }
        // Nothing acknowledged is missing from the outbox either: every edit will reach the server.
        expect(store.pendingCount()).toBeGreaterThanOrEqual(latest.size);
      } finally {
        db.close();
      }
    }
    expect(totalAcked).toBeGreaterThan(ROUNDS); // the kills landed while writing, not before
  });
});
