import WebSocket from 'ws';
import { SignalingClient } from '../src/shared/signalingClient.js';
import { launchChromium } from '../test/support/browser.js';
import { requireNetns, tempDir } from '../test/support/stack.js';
import { startServerProcess } from '../test/support/serverProcess.js';
import { percentile, round1 } from './stats.js';
import { runScale, SCALE_OPTIONS, type ScaleOptions } from './signalingScale.js';

/**
 * Signaling numbers through the real stack:
 *  - join: a listener opens /s/<id> in Chromium, presses Listen, until the audience stream plays
 *    (the <audio> element's clock advances), p50/p95 over N fresh pages;
 *  - fan-out: N guest sockets joined to one Space; a burst of M reactions (every reactor at once)
 *    reaches every socket,
 *    by name while the Space's delivery budget allows, counted per 1 s window beyond it: when
 *    every socket knows every reaction, each path's delivery time (same clock) and the messages
 *    per socket. It fails (exit 1, with the reason on stderr) if a socket misses a reaction.
 * The Space server runs as its own process (as in production) so the 1,000 client sockets in this
 * process do not share its event loop.
 */
export const description =
  'listener join time (page open -> audio playing) and event fan-out to 1,000 sockets; with --listeners N: server CPU per join up to N sockets';

interface Options {
  json: boolean;
  joins: number;
  clients: number;
  events: number;
  /** Set by --listeners: the control-plane scale mode (bench/signalingScale.ts) instead. */
  scale?: ScaleOptions;
}

function parseArgs(args: string[]): Options {
  if (args.includes('--listeners')) return { json: false, joins: 0, clients: 0, events: 0, scale: SCALE_OPTIONS.parse(args) };
  const o: Options = { json: false, joins: 20, clients: 1000, events: 50 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const num = (): number => {
      const n = Number(args[++i]);
      if (!Number.isInteger(n) || n < 1 || n > 20_000) throw new Error(`${a} needs a positive integer`);
      return n;
    };
    if (a === '--json') o.json = true;
    else if (a === '--joins') o.joins = num();
    else if (a === '--clients') o.clients = num();
    else if (a === '--events') o.events = num();
    else throw new Error(`unknown option "${a}" (options: --json, --joins N, --clients N, --events N; or --listeners N for the scale mode)`);
  }
  return o;
}

const client = async (url: string): Promise<SignalingClient> => {
  const c = new SignalingClient(url.replace('http', 'ws') + '/ws', (u) => new WebSocket(u) as never, 30_000);
  await c.connect();
  return c;
};

export async function run(args: string[]): Promise<number> {
  const o = parseArgs(args);
  requireNetns();
  if (o.scale) return runScale(o.scale);
  const { url, stop: stopServer } = await startServerProcess({
    port: 8380,
    dataDir: tempDir('bench-signaling'),
    env: { JANUS_WS_PORT: '8288', SPACES_REACTIONS_PER_10S: '100000' },
  });
  const sockets: SignalingClient[] = [];
  try {
    const host = await client(url);
    sockets.push(host);
    await host.request('auth.register', { handle: 'bench_host', displayName: 'Bench host', password: 'correct horse battery' });
    const { space } = await host.request('space.create', { title: 'Signaling bench' });
    await host.request('space.join', { spaceId: space.id });
    const link = `${url}/s/${space.id}`;

    // ---- join time ----
    const browser = await launchChromium();
    const joins: number[] = [];
    try {
      for (let i = 0; i < o.joins; i++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const t0 = performance.now();
        await page.goto(link);
        const listen = page.getByRole('button', { name: 'Listen' });
        await listen.click({ timeout: 15_000 }); // waits until enabled (connected, state known)
        await page.waitForFunction(() => {
          const a = document.getElementById('audio') as HTMLAudioElement | null;
          return !!a && a.srcObject !== null && a.currentTime > 0;
        }, undefined, { timeout: 15_000, polling: 5 });
        joins.push(performance.now() - t0);
        await context.close();
      }
    } finally {
      await browser.close();
    }

    // ---- fan-out ----
    for (let i = 0; i < o.clients; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, o.clients - i) }, () => client(url)));
      await Promise.all(batch.map((c, j) => c.request('space.join', { spaceId: space.id, displayName: `L${i + j}` })));
      sockets.push(...batch);
    }
    await new Promise((r) => setTimeout(r, 500)); // roster updates from the joins settle
    // What a socket gets now (issue 11): the first reactions of each 1 s window one by one
    // (`space.reaction`, within the Space's deliveries-per-second budget), the rest as one
    // `space.reactions` message per window with counts. Every reaction must reach every socket,
    // by name or counted; we measure when, and how many messages it took.
    const sentAt = new Map<string, number>();
    const individual: number[] = []; // send -> receipt of a reaction delivered by name
    const counted: number[] = []; // send of the oldest reaction a counts message covers -> its receipt
    const order: string[] = []; // reactions in the order they were sent
    const known = new Map<SignalingClient, { reactions: number; messages: number; completeAt?: number }>();
    let start = 0;
    for (const c of sockets.slice(1)) {
      const mine = { reactions: 0, messages: 0 } as { reactions: number; messages: number; completeAt?: number };
      const byName = new Set<string>();
      let next = 0; // the oldest reaction this socket has not accounted for yet
      known.set(c, mine);
      c.onEvent((e) => {
        if (e.type === 'space.reaction') {
          const t = sentAt.get(e.displayName);
          if (t === undefined) return;
          individual.push(performance.now() - t);
          byName.add(e.displayName);
          mine.reactions++;
        } else if (e.type === 'space.reactions') {
          // Counts cover the reactions not delivered by name, oldest first.
          let k = e.counts.reduce((n, x) => n + x.count, 0);
          mine.reactions += k;
          let oldest: number | undefined;
          for (; next < order.length && k > 0; next++) {
            if (byName.has(order[next]!)) continue;
            oldest ??= sentAt.get(order[next]!);
            k--;
          }
          if (oldest !== undefined) counted.push(performance.now() - oldest);
        } else return;
        mine.messages++;
        if (mine.reactions >= o.events && mine.completeAt === undefined) mine.completeAt = performance.now() - start;
      });
    }
    const reactors: SignalingClient[] = [];
    for (let i = 0; i < o.events; i++) {
      const r = await client(url);
      await r.request('space.join', { spaceId: space.id, displayName: `R${i}` });
      reactors.push(r);
    }
    sockets.push(...reactors);
    await new Promise((r) => setTimeout(r, 1500)); // a fresh aggregation window
    const listeners = [...known.values()];
    start = performance.now();
    // A burst, as an audience reacts to a moment: every reactor at once.
    await Promise.all(
      reactors.map((r, i) => {
        const name = `R${i}`;
        sentAt.set(name, performance.now());
        order.push(name);
        return r.request('reaction.send', { spaceId: space.id, reaction: '👏' });
      }),
    );
    for (let i = 0; i < 200 && listeners.some((l) => l.completeAt === undefined); i++) await new Promise((r) => setTimeout(r, 50));
    const complete = listeners.filter((l) => l.completeAt !== undefined);
    const incomplete = listeners.length - complete.length;
    const messages = listeners.reduce((n, l) => n + l.messages, 0);

    const result = {
      join_p50_ms: round1(percentile(joins, 50)),
      join_p95_ms: round1(percentile(joins, 95)),
      joins: joins.length,
      fanout_clients: o.clients,
      fanout_events: o.events,
      fanout_sockets_complete: complete.length,
      fanout_by_name: individual.length,
      fanout_by_name_p50_ms: round1(percentile(individual, 50)),
      fanout_by_name_p95_ms: round1(percentile(individual, 95)),
      fanout_counted_deliveries: counted.length,
      fanout_counted_p50_ms: round1(percentile(counted, 50)),
      fanout_counted_p95_ms: round1(percentile(counted, 95)),
      fanout_messages_per_socket: round1(messages / Math.max(1, listeners.length)),
      fanout_all_known_p50_ms: round1(percentile(complete.map((l) => l.completeAt!), 50)),
      fanout_all_known_p95_ms: round1(percentile(complete.map((l) => l.completeAt!), 95)),
    };
    if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      const rows: [string, string][] = [
        ['listener join (page open -> audio playing)', `p50 ${result.join_p50_ms} ms, p95 ${result.join_p95_ms} ms (${joins.length} joins)`],
        [`${o.events} reactions to ${o.clients} sockets`, `${complete.length}/${listeners.length} sockets know every reaction, p50 ${result.fanout_all_known_p50_ms} ms, p95 ${result.fanout_all_known_p95_ms} ms after the burst`],
        ['  by name (space.reaction)', `${result.fanout_by_name} deliveries, p50 ${result.fanout_by_name_p50_ms} ms, p95 ${result.fanout_by_name_p95_ms} ms`],
        ['  counted (space.reactions, 1 s windows)', `${result.fanout_counted_deliveries} deliveries, p50 ${result.fanout_counted_p50_ms} ms, p95 ${result.fanout_counted_p95_ms} ms`],
        ['  messages per socket', `${result.fanout_messages_per_socket} for ${o.events} reactions`],
      ];
      for (const [k, v] of rows) process.stdout.write(`${k.padEnd(44)} ${v}\n`);
    }
    if (incomplete > 0) {
      const worst = Math.min(...listeners.map((l) => l.reactions));
      process.stderr.write(`signaling bench FAILED: ${incomplete} of ${listeners.length} sockets did not learn of every reaction within 10 s (the worst knew ${worst} of ${o.events}, by name or counted)\n`);
      return 1;
    }
    if (joins.length !== o.joins) {
      process.stderr.write(`signaling bench FAILED: ${o.joins - joins.length} of ${o.joins} listener joins did not play\n`);
      return 1;
    }
    return 0;
  } finally {
    for (const s of sockets) s.close();
    await stopServer();
  }
}
