import { createServer } from 'node:net';
import { join } from 'node:path';
import { openStudioDb } from '../src/main/services/studioDb.js';
import { ScheduleStore } from '../src/main/services/scheduleStore.js';
import { ScheduleService } from '../src/main/services/scheduleService.js';
import { apiClient } from '../test/support/apiClient.js';
import { requireNetns, startTestServer, tempDir } from '../test/support/stack.js';
import { percentile } from './stats.js';

/**
 * Scheduled Spaces in the Studio:
 *  - list and search over 10,000 scheduled Spaces in the Studio's SQLite store (the calls the
 *    schedule panel makes: a page of 50 in start order at a random offset; a full-text prefix
 *    search for one or two words), p95 over N queries each;
 *  - syncing 1,000 edits made offline (100 new Spaces + 900 edits) to a real Space server once it
 *    is reachable: from "back online" to an empty outbox, pull included.
 */
export const description = 'Studio schedule: list/search over 10,000 scheduled Spaces (p95), sync of 1,000 offline edits';

const WORDS = ['jazz', 'politics', 'science', 'morning', 'football', 'design', 'startup', 'poetry', 'gaming', 'music', 'news', 'crypto', 'health', 'travel', 'film'];

function parseArgs(args: string[]): { json: boolean; queries: number } {
  const o = { json: false, queries: 500 };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--json') o.json = true;
    else if (args[i] === '--queries') o.queries = Number(args[++i]);
    else throw new Error(`unknown option "${args[i]}" (options: --json, --queries N)`);
  }
  return o;
}

function timeIt(fn: () => unknown): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function benchList(queries: number) {
  const db = openStudioDb(join(tempDir('bench-schedule'), 'studio.db'));
  const store = new ScheduleStore(db);
  const t0 = Date.now();
  db.transaction(() => {
    for (let i = 0; i < 10_000; i++) {
      const w = (k: number) => WORDS[(i * 7 + k * 3) % WORDS.length]!;
      store.create({ title: `${w(0)} ${w(1)} show ${i}`, description: `A Space about ${w(2)} and ${w(3)}`, topics: [w(4)], startsAt: t0 + (i % 14_000) * 86_400, timeZone: 'Europe/Paris' });
    }
  })();
  const list: number[] = [];
  const search: number[] = [];
  for (let q = 0; q < queries; q++) {
    const offset = Math.floor(Math.random() * 9950);
    list.push(timeIt(() => store.list({ limit: 50, offset })));
    const words = q % 2 ? WORDS[q % WORDS.length]! : `${WORDS[q % WORDS.length]!.slice(0, 3)} ${WORDS[(q + 5) % WORDS.length]}`;
    search.push(timeIt(() => store.list({ query: words, limit: 50, offset: 0 })));
  }
  db.close();
  return { list, search };
}

async function benchSync(): Promise<{ ms: number; edits: number }> {
  const server = await startTestServer({ janusWsPort: 8212 });
  const db = openStudioDb(join(tempDir('bench-schedule-sync'), 'studio.db'));
  try {
    const api = await apiClient(server.url);
    const { token } = await api.request('auth.register', { handle: 'bench_host', displayName: 'Bench', password: 'correct horse battery' });
    api.close();
    const target = { serverUrl: `http://127.0.0.1:${await freePort()}`, token };
    const service = new ScheduleService({ db, emit: () => undefined, target: () => target, sync: { minBackoffMs: 60_000, pullEveryMs: 600_000 } });
    try {
      const now = Date.now();
      const ids: string[] = [];
      let edits = 0;
      for (let i = 0; i < 100; i++, edits++) ids.push(service.saveScheduled({ fields: { title: `Offline ${i}`, startsAt: now + (i + 1) * 3600_000 } }).id);
      for (let i = 0; edits < 1000; i++, edits++) service.saveScheduled({ id: ids[i % 100]!, fields: { description: `edit ${i}`, topics: [WORDS[i % WORDS.length]!] } });
      if (service.getSyncStatus().pending !== 1000) throw new Error(`expected 1000 pending edits, have ${service.getSyncStatus().pending}`);
      target.serverUrl = server.url;
      const t = performance.now();
      const status = await service.syncNow();
      const ms = performance.now() - t;
      if (status.pending !== 0) throw new Error(`sync left ${status.pending} edits: ${status.error}`);
      return { ms, edits };
    } finally {
      service.dispose();
    }
  } finally {
    db.close();
    await server.close();
  }
}

export async function run(args: string[]): Promise<number> {
  const o = parseArgs(args);
  requireNetns();
  const { list, search } = benchList(o.queries);
  const sync = await benchSync();
  const result = {
    list_10k_p95_ms: Math.round(percentile([...list, ...search], 95) * 100) / 100,
    list_10k_page_p50_ms: Math.round(percentile(list, 50) * 100) / 100,
    list_10k_page_p95_ms: Math.round(percentile(list, 95) * 100) / 100,
    search_10k_p50_ms: Math.round(percentile(search, 50) * 100) / 100,
    search_10k_p95_ms: Math.round(percentile(search, 95) * 100) / 100,
    sync_1k_edits_ms: Math.round(sync.ms),
    queries: o.queries,
  };
  if (o.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  }
  const rows = [
    ['what', 'p50', 'p95'],
    ['list a page of 50 of 10,000 (random offset)', `${result.list_10k_page_p50_ms} ms`, `${result.list_10k_page_p95_ms} ms`],
    ['full-text prefix search over 10,000', `${result.search_10k_p50_ms} ms`, `${result.search_10k_p95_ms} ms`],
    ['list + search together (target p95 <= 5 ms)', '', `${result.list_10k_p95_ms} ms`],
    ['sync 1,000 offline edits (total)', '', `${result.sync_1k_edits_ms} ms`],
  ];
  for (const r of rows) process.stdout.write(`${r[0]!.padEnd(48)} ${r[1]!.padStart(10)} ${r[2]!.padStart(10)}\n`);
  return 0;
}
