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
 *  - fan-out: N guest sockets joined to one Space; reactions from a member reach every socket:
 *    deliveries per second and p95 delivery time (send -> receipt, same clock).
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
    const sentAt = new Map<string, number>();
    const delivery: number[] = [];
    let seq = 0;
    for (const c of sockets.slice(1)) {
      c.onEvent((e) => {
        if (e.type !== 'space.reaction') return;
        const t = sentAt.get(e.displayName);
        if (t !== undefined) delivery.push(performance.now() - t);
      });
    }
    const reactors: SignalingClient[] = [];
    for (let i = 0; i < o.events; i++) {
      const r = await client(url);
      await r.request('space.join', { spaceId: space.id, displayName: `R${i}` });
      reactors.push(r);
    }
    sockets.push(...reactors);
    await new Promise((r) => setTimeout(r, 500));
    const start = performance.now();
    for (const r of reactors) {
      const name = `R${seq++}`;
      sentAt.set(name, performance.now());
      await r.request('reaction.send', { spaceId: space.id, reaction: '👏' });
    }
    const expected = o.events * o.clients;
    for (let i = 0; i < 600 && delivery.length < expected; i++) await new Promise((r) => setTimeout(r, 50));
    const elapsed = (performance.now() - start) / 1000;

    const result = {
      join_p50_ms: round1(percentile(joins, 50)),
      join_p95_ms: round1(percentile(joins, 95)),
      joins: joins.length,
      fanout_clients: o.clients,
      fanout_events: o.events,
      fanout_delivered: delivery.length,
      fanout_events_per_s: Math.round(delivery.length / elapsed),
      fanout_p50_ms: round1(percentile(delivery, 50)),
      fanout_p95_ms: round1(percentile(delivery, 95)),
    };
    if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      const rows: [string, string][] = [
        ['listener join (page open -> audio playing)', `p50 ${result.join_p50_ms} ms, p95 ${result.join_p95_ms} ms (${joins.length} joins)`],
        [`reaction fan-out to ${o.clients} sockets`, `p50 ${result.fanout_p50_ms} ms, p95 ${result.fanout_p95_ms} ms`],
        ['deliveries', `${result.fanout_delivered}/${expected}, ${result.fanout_events_per_s} per second`],
      ];
      for (const [k, v] of rows) process.stdout.write(`${k.padEnd(44)} ${v}\n`);
    }
    return delivery.length === expected ? 0 : 1;
  } finally {
    for (const s of sockets) s.close();
    await stopServer();
  }
}
