import { Room, RoomEvent } from '@livekit/rtc-node';
import type { RunningServer } from '../src/server/app.js';
import type { SignalingClient } from '../src/shared/signalingClient.js';
import { apiClient } from '../test/support/apiClient.js';
import { makeSpeechWav, readWav } from '../test/support/audio.js';
import { LiveKitBot } from '../test/support/livekitBot.js';
import { livekitConfig, requireNetns, startTestServer, tempDir } from '../test/support/stack.js';
import { cpuMs, load, pin, raiseOpenFileLimit } from './support/proc.js';
import { intOption, percentile, round1 } from './stats.js';

/**
 * `npm run bench -- audience --engine livekit` (issue 20): what LiveKit's own server spends per
 * subscriber. The Space server runs its own livekit-server, pinned to CPU 0; the bench, the Space
 * server and the bots share CPU 1. Speakers are LiveKit clients (@livekit/rtc-node) publishing
 * real speech; listener bots (rtc-node too, one Room each) join through the server's API
 * (`space.join`, `media.connect` -> a listener grant) and subscribe to every speaker. An SFU sends
 * each speaker to each listener, so the run is repeated with 1 and with 3 speakers.
 *
 * At each step (default 20 / 40 / 60 listeners) livekit-server's CPU (utime + stime) is read over a
 * window (default 10 s), and every bot's inbound RTP counts (packets received / lost, from the
 * SDK's session stats). The CPU slope over the steps gives `subscribers_per_core`.
 */
interface Options {
  json: boolean;
  steps: number[];
  speakers: number[];
  windowS: number;
  settleS: number;
}

function parseArgs(args: string[]): Options {
  const o: Options = { json: false, steps: [20, 40, 60], speakers: [1, 3], windowS: 10, settleS: 3 };
  const list = (name: string, v: string | undefined, min: number): number[] => (v ?? '').split(',').map((x) => intOption(name, x, min, 2000));
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') o.json = true;
    else if (a === '--engine') i++; // livekit (audience.ts dispatched here)
    else if (a === '--steps') o.steps = list(a, args[++i], 1);
    else if (a === '--speakers') o.speakers = list(a, args[++i], 1);
    else if (a === '--window-s') o.windowS = intOption(a, args[++i], 2, 600);
    else if (a === '--settle-s') o.settleS = intOption(a, args[++i], 0, 120);
    else throw new Error(`unknown option "${a}" (with --engine livekit: --json, --steps 20,40,60, --speakers 1,3, --window-s S, --settle-s S)`);
  }
  return o;
}

/** Sums inbound RTP packets received / lost anywhere in the SDK's session stats. */
function inbound(stats: unknown): { received: number; lost: number } {
  const out = { received: 0, lost: 0 };
  const walk = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    const o = x as Record<string, unknown>;
    if ('packetsReceived' in o && 'packetsLost' in o) {
      out.received += Number(o.packetsReceived ?? 0);
      out.lost += Number(o.packetsLost ?? 0);
      return;
    }
    for (const v of Object.values(o)) walk(v);
  };
  walk(stats);
  return out;
}

interface Listener {
  api: SignalingClient;
  room: Room;
  joinMs: number;
}

interface StepReport {
  speakers: number;
  listeners: number;
  cpu_pct: number;
  loss_pct: number;
  join_p50_ms: number;
  join_p95_ms: number;
}

export async function run(args: string[]): Promise<number> {
  const o = parseArgs(args);
  requireNetns();
  raiseOpenFileLimit();
  const log = (line: string): void => void process.stderr.write(`[audience/livekit] ${line}\n`);
  const speech = readWav(makeSpeechWav(tempDir('bench-lk-audience'), 'speech', 'Every listener of this Space receives each speaker as its own stream from the SFU.'));
  const loadBefore = load();
  const server: RunningServer = await startTestServer({ ...livekitConfig(7980), nodeCap: 100_000 });
  const lkPid = server.livekit!.supervisor!.pid!;
  pin(lkPid, 0);
  pin(process.pid, 1);
  const steps: StepReport[] = [];
  const cleanup: (() => Promise<void>)[] = [];
  try {
    for (const speakerCount of o.speakers) {
      log(`${speakerCount} speaker(s): putting them on stage`);
      const host = await apiClient(server.url);
      cleanup.push(async () => host.close());
      await host.request('auth.register', { handle: `lkaud_h${speakerCount}`, displayName: 'Host', password: 'audience bench password' });
      const spaceId = (await host.request('space.create', { title: `LiveKit audience ${speakerCount}` })).space.id;
      await host.request('space.join', { spaceId });
      const speak = async (c: SignalingClient): Promise<void> => {
        const m = await c.request('media.connect', { spaceId, as: 'stage' });
        if (m.engine !== 'livekit') throw new Error('not a LiveKit server');
        const bot = new LiveKitBot(m.grant);
        await bot.connect();
        if ((await bot.publish()) !== 'published') throw new Error('a speaker could not publish');
        bot.send(speech);
        cleanup.push(() => bot.close());
      };
      await speak(host);
      for (let s = 1; s < speakerCount; s++) {
        const c = await apiClient(server.url);
        cleanup.push(async () => c.close());
        await c.request('auth.register', { handle: `lkaud_s${speakerCount}_${s}`, displayName: `Speaker ${s}`, password: 'audience bench password' });
        const { self } = await c.request('space.join', { spaceId });
        await host.request('invite.send', { spaceId, memberId: self.memberId });
        await c.request('invite.accept', { spaceId });
        await speak(c);
      }
      log(`${speakerCount} speaker(s) publishing; adding listeners`);
      const listeners: Listener[] = [];
      for (const target of o.steps) {
        while (listeners.length < target) {
          const batch = Math.min(8, target - listeners.length);
          const joined = await Promise.all(
            Array.from({ length: batch }, async (_, k) => {
              const api = await apiClient(server.url);
              await api.request('space.join', { spaceId, displayName: `Bot ${listeners.length + k}` });
              const t0 = performance.now();
              const m = await api.request('media.connect', { spaceId, as: 'listen' });
              if (m.engine !== 'livekit') throw new Error('not a LiveKit server');
              const room = new Room();
              let subscribed = 0;
              const all = new Promise<void>((resolve) => room.on(RoomEvent.TrackSubscribed, () => ++subscribed >= speakerCount && resolve()));
              await room.connect(m.grant.url, m.grant.token, { autoSubscribe: true, dynacast: false });
              await Promise.race([all, new Promise((r) => setTimeout(r, 20_000))]);
              return { api, room, joinMs: subscribed >= speakerCount ? performance.now() - t0 : NaN };
            }),
          );
          listeners.push(...joined);
        }
        await new Promise((r) => setTimeout(r, o.settleS * 1000));
        const before = await Promise.all(listeners.map((l) => l.room.getRtcStats().then(inbound, () => ({ received: 0, lost: 0 }))));
        const cpu0 = cpuMs(lkPid);
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, o.windowS * 1000));
        const cpu = ((cpuMs(lkPid) - cpu0) / (performance.now() - t0)) * 100;
        const after = await Promise.all(listeners.map((l) => l.room.getRtcStats().then(inbound, () => ({ received: 0, lost: 0 }))));
        const received = after.reduce((n, a, i) => n + a.received - before[i]!.received, 0);
        const lost = after.reduce((n, a, i) => n + a.lost - before[i]!.lost, 0);
        const joins = listeners.slice(-(target - (steps.filter((s) => s.speakers === speakerCount).at(-1)?.listeners ?? 0))).map((l) => l.joinMs);
        const report: StepReport = {
          speakers: speakerCount,
          listeners: target,
          cpu_pct: round1(cpu),
          loss_pct: received + lost > 0 ? Math.round((lost / (received + lost)) * 10_000) / 100 : NaN,
          join_p50_ms: Math.round(percentile(joins.filter(Number.isFinite), 50)),
          join_p95_ms: Math.round(percentile(joins.filter(Number.isFinite), 95)),
        };
        steps.push(report);
        log(`${speakerCount} speaker(s), ${target} listeners: livekit-server ${report.cpu_pct}% of a core, loss ${report.loss_pct}%, join p50 ${report.join_p50_ms} ms p95 ${report.join_p95_ms} ms (${received} packets received)`);
      }
      await Promise.all(
        listeners.map(async (l) => {
          await Promise.race([l.room.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
          l.api.close();
        }),
      );
    }
  } finally {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    await server.close();
  }

  const slope = (speakers: number): number => {
    const s = steps.filter((x) => x.speakers === speakers);
    const n = s.length;
    const mx = s.reduce((a, x) => a + x.listeners, 0) / n;
    const my = s.reduce((a, x) => a + x.cpu_pct, 0) / n;
    const num = s.reduce((a, x) => a + (x.listeners - mx) * (x.cpu_pct - my), 0);
    const den = s.reduce((a, x) => a + (x.listeners - mx) ** 2, 0);
    return num / den; // % of a core per listener
  };
  const summary = Object.fromEntries(
    o.speakers.map((sp) => [`speakers_${sp}`, { cpu_pct_per_100_listeners: round1(slope(sp) * 100), subscribers_per_core: Math.round(100 / slope(sp)) }]),
  );
  const loadAfter = load();
  if (o.json) process.stdout.write(JSON.stringify({ engine: 'livekit', steps, ...summary, load_before: loadBefore, load_after: loadAfter }) + '\n');
  else {
    const lines = [
      `LiveKit audience (livekit-server pinned to CPU 0; load ${loadBefore.load1.toFixed(2)} -> ${loadAfter.load1.toFixed(2)})`,
      '',
      'speakers  listeners  livekit-server CPU  loss     join p50  join p95',
      ...steps.map((s) => `${String(s.speakers).padStart(8)}  ${String(s.listeners).padStart(9)}  ${`${s.cpu_pct}%`.padStart(18)}  ${`${s.loss_pct}%`.padStart(6)}  ${`${s.join_p50_ms} ms`.padStart(8)}  ${`${s.join_p95_ms} ms`.padStart(8)}`),
      '',
      ...o.speakers.map((sp) => `${sp} speaker(s): ${round1(slope(sp) * 100)}% of a core per 100 listeners = about ${Math.round(100 / slope(sp))} subscribers per core`),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  return 0;
}
