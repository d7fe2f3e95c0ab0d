import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { openStudioDb } from '../../src/main/services/studioDb.js';
import { ScheduleStore } from '../../src/main/services/scheduleStore.js';

/**
 * Child process for the crash-safety test: writes scheduled-Space edits as fast as it can and
 * prints `ack <id> <n>` after each one returns (= what the UI would have been told), until killed.
 * argv: <data dir> <round>
 */
const [dir, round] = process.argv.slice(2);
const store = new ScheduleStore(openStudioDb(join(dir!, 'studio.db')));
const ids = store.list({ limit: 500, offset: 0 }).items.map((i) => i.id);
let n = 0;
writeSync(1, 'ready\n');
for (;;) {
  n++;
  const title = `r${round!.padStart(4, '0')}-e${String(n).padStart(6, '0')}`;
  if (ids.length < 20 || n % 4 === 0) {
    const item = store.create({ title, startsAt: Date.now() + 3600_000, description: 'x'.repeat(n % 500), topics: ['crash'] });
    ids.push(item.id);
    writeSync(1, `ack ${item.id} ${title}\n`);
  } else {
    const id = ids[n % ids.length]!;
    store.update(id, { title, notes: `notes ${n}` });
    writeSync(1, `ack ${id} ${title}\n`);
  }
}
