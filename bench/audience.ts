import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_JANUS_LIB, writeJanusConfig } from '../src/server/janus/config.js';
import { requireNetns, tempDir } from '../test/support/stack.js';
import { startServerProcess } from '../test/support/serverProcess.js';
import type { AddReport, NodeRange, WindowReport } from './support/audienceBots.js';
import { speechOpusPackets } from './support/opusFeed.js';
import { ask, cpuMs, findJanusPid, load, onAbort, pin, raiseOpenFileLimit, spawnHelper, stopChild } from './support/proc.js';
import { startStageHost, MEDIA_IP, wsUrl, type StageHost } from './support/weriftHost.js';
import { percentile, round1, intOption } from './stats.js';

/**
 * `npm run bench -- audience`: how many WebRTC listeners one Janus core carries (issue 11).
 *
 * A Space server in its own process with its own Janus; a werift host on the stage sends real
 * speech (espeak-ng, Opus 20 ms frames from ffmpeg, looped), so the AudioBridge mixes and the
 * mountpoint fans out real Opus. Listener bots (werift, bench/support/audienceBots.ts, in child
 * processes) join through the server's public API: `space.join`, `listen.start`, answer,
 * `listen.answer`. Janus is pinned to CPU 0, the server and the bots to CPU 1.
 *
 * Steps (default 50 / 100 / 150 listeners): at each, once every new bot hears audio and after a
 * settle time, Janus' CPU (utime + stime) and every bot's RTP sequence numbers are read over a
 * window (default 10 s). The slope of Janus CPU vs listeners over the steps with < 0.5% loss gives
 * `janus_cpu_pct_per_100_listeners` and `listeners_per_core` (= 100% / slope).
 *
 * Cascade phase: a second Janus (the same generated config, another WebSocket port and RTP port
 * range, pinned to CPU 1) is handed to a fresh server as `JANUS_EDGES=ws://...#<media address>`
 * with `SPACES_NODE_CAP`; the bots learn their node from the candidate port in Janus' offer.
 * `cascade_efficiency` = the stage node's per-listener slope / the edge's per-listener slope in
 * that run (1.0: an edge fed by a forward costs the same per listener as the stage's own node).
 */
export const description = 'WebRTC listener bots through the real API: Janus CPU per listener, loss, first audio, cascade to an edge Janus';

const STAGE_RANGE = { lo: 20000, hi: 29999 };
const EDGE_RANGE = { lo: 40000, hi: 49999 };
const EDGE_WS_PORT = 8289;
const LOSS_LIMIT_PCT = 0.5;
const TARGETS = { listeners_per_core: 700, cascade_efficiency: 0.9 };

interface Options {
  json: boolean;
  steps: number[];
  cascadeSteps: number[];
  cascade: boolean;
  windowS: number;
  settleS: number;
  botsPerProcess: number;
  concurrency: number;
  nodeCap: number | undefined;
  janusCpu: number;
  botCpu: number;
  /** JANUS_EVENT_LOOPS for the server's Janus (unset: the server's default); the edge copies what the server wrote. */
  eventLoops: number | undefined;
  /** JANUS_MOUNTPOINT_THREADS: Streaming mountpoint helper threads (unset: the server's default). */
  mountpointThreads: number | undefined;
}

function parseArgs(args: string[]): Options {
  const o: Options = {
    json: false,
    steps: [50, 100, 150],
    cascadeSteps: [40, 80, 120],
    cascade: true,
    windowS: 10,
    settleS: 3,
    botsPerProcess: 100,
    concurrency: 8,
    nodeCap: undefined,
    janusCpu: 0,
    botCpu: 1,
    eventLoops: undefined,
    mountpointThreads: undefined,
  };
  const list = (name: string, v: string | undefined): number[] => {
    const xs = (v ?? '').split(',').map((x) => intOption(name, x, 1, 5000));
    if (xs.length < 2 || xs.some((x, i) => i > 0 && x <= xs[i - 1]!)) throw new Error(`${name} needs at least two increasing sizes, e.g. 50,100,150`);
    return xs;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') o.json = true;
    else if (a === '--steps') o.steps = list(a, args[++i]);
    else if (a === '--cascade-steps') o.cascadeSteps = list(a, args[++i]);
    else if (a === '--no-cascade') o.cascade = false;
    else if (a === '--window-s') o.windowS = intOption(a, args[++i], 2, 600);
    else if (a === '--settle-s') o.settleS = intOption(a, args[++i], 0, 120);
    else if (a === '--bots-per-process') o.botsPerProcess = intOption(a, args[++i], 1, 2000);
    else if (a === '--concurrency') o.concurrency = intOption(a, args[++i], 1, 100);
    else if (a === '--node-cap') o.nodeCap = intOption(a, args[++i], 1, 100_000);
    else if (a === '--janus-cpu') o.janusCpu = intOption(a, args[++i], 0, 255);
    else if (a === '--bot-cpu') o.botCpu = intOption(a, args[++i], 0, 255);
    else if (a === '--event-loops') o.eventLoops = intOption(a, args[++i], 0, 64);
    else if (a === '--mountpoint-threads') o.mountpointThreads = intOption(a, args[++i], 0, 64);
    else
      throw new Error(
        `unknown option "${a}" (options: --json, --steps 50,100,150, --cascade-steps 40,80,120, --no-cascade, --window-s S, --settle-s S, --bots-per-process N, --concurrency N, --node-cap N, --janus-cpu C, --bot-cpu C, --event-loops N, --mountpoint-threads N)`,
      );
  }
  return o;
}

interface StepResult {
  listeners: number;
  perNode: Record<string, number>;
  /**
   * Full-rate listener equivalents per node: packets per second delivered to that node's
   * listeners / 50. Equals the listener count when the stage mix keeps its 50 packets/s; lower
   * when the mix falls behind (its thread starved of CPU), which also lowers Janus' CPU.
   */
  fullRate: Record<string, number>;
  lossPct: number;
  /** Janus CPU over the window, percent of one core, by node name. */
  cpuPct: Record<string, number>;
  disconnected: number;
  /** RTP packets each listener received per second over the window (the feed is 50/s). */
  ppsPerListener: number;
  /** Sequence gaps over the window (all bots), the largest gap, late or duplicate packets. */
  gaps: number;
  maxGap: number;
  late: number;
  /** The bot processes' CPU over the window (percent of one core): near 100 the bots, not Janus, limit. */
  botCpuPct: number;
}

interface PhaseResult {
  steps: StepResult[];
  joinMs: number[];
  silent: number;
  failed: number;
  errors: string[];
  /** event_loops in the janus.jcfg the server generated (0 = not set: Janus' thread per PeerConnection). */
  eventLoops: number;
}

/** Least-squares line through (x, y). */
function fit(points: [number, number][]): { slope: number; intercept: number } | null {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  if (sxx === 0) return null;
  const slope = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / sxx;
  return { slope, intercept: my - slope * mx };
}

/** The bot processes of a phase: filled one after the other up to `botsPerProcess` each. */
class BotFleet {
  private readonly children: { child: ChildProcess; bots: number }[] = [];
  constructor(private readonly o: Options) {}

  async add(url: string, spaceId: string, count: number, nodes: NodeRange[]): Promise<AddReport> {
    const total: AddReport = { added: 0, failed: 0, errors: [], joinMs: [], silent: 0 };
    const jobs: Promise<AddReport>[] = [];
    let left = count;
    while (left > 0) {
      let slot = this.children.find((c) => c.bots < this.o.botsPerProcess);
      if (!slot) {
        slot = { child: spawnHelper('./audienceBots.ts', { cpu: this.o.botCpu }), bots: 0 };
        this.children.push(slot);
      }
      const n = Math.min(left, this.o.botsPerProcess - slot.bots);
      slot.bots += n;
      left -= n;
      jobs.push(ask<AddReport>(slot.child, { cmd: 'add', url: wsUrl(url), spaceId, count: n, concurrency: this.o.concurrency, nodes, firstAudioTimeoutMs: 20_000 }));
    }
    for (const r of await Promise.all(jobs)) {
      total.added += r.added;
      total.failed += r.failed;
      total.silent += r.silent;
      total.joinMs.push(...r.joinMs);
      total.errors.push(...r.errors);
    }
    return total;
  }

  /** CPU milliseconds the bot processes have used so far. */
  cpuMs(): number {
    return this.children.reduce((sum, c) => sum + (c.child.exitCode === null ? cpuMs(c.child.pid!) : 0), 0);
  }

  async mark(): Promise<void> {
    await Promise.all(this.children.map((c) => ask(c.child, { cmd: 'mark' })));
  }

  async report(): Promise<WindowReport> {
    const sum: WindowReport = { bots: 0, received: 0, expected: 0, perNode: {}, perNodeReceived: {}, disconnected: 0, windowMs: 0, gaps: 0, maxGap: 0, late: 0 };
    for (const r of await Promise.all(this.children.map((c) => ask<WindowReport>(c.child, { cmd: 'report' })))) {
      sum.bots += r.bots;
      sum.received += r.received;
      sum.expected += r.expected;
      sum.disconnected += r.disconnected;
      sum.windowMs = Math.max(sum.windowMs, r.windowMs);
      sum.gaps += r.gaps;
      sum.maxGap = Math.max(sum.maxGap, r.maxGap);
      sum.late += r.late;
      for (const [k, v] of Object.entries(r.perNode)) sum.perNode[k] = (sum.perNode[k] ?? 0) + v;
      for (const [k, v] of Object.entries(r.perNodeReceived)) sum.perNodeReceived[k] = (sum.perNodeReceived[k] ?? 0) + v;
    }
    return sum;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children.map(async (c) => {
        await ask(c.child, { cmd: 'close' }, 30_000).catch(() => undefined);
        await stopChild(c.child);
      }),
    );
    this.children.length = 0;
  }
}

/** A Janus of the bench's own (the cascade's edge): the config the server would write, another port range. */
async function startEdgeJanus(cpu: number, eventLoops: number): Promise<{ pid: number; stop: () => Promise<void>; dir: string }> {
  const dir = tempDir('bench-edge-janus');
  // Not an object literal: writeJanusConfig takes `eventLoops` only once the server supports it.
  const options = {
    dir,
    eventLoops,
    wsHost: '127.0.0.1',
    wsPort: EDGE_WS_PORT,
    iceEnforceList: 'd0',
    rtpPortRange: `${EDGE_RANGE.lo}-${EDGE_RANGE.hi}`,
    pluginsFolder: join(DEBIAN_JANUS_LIB, 'plugins'),
    transportsFolder: join(DEBIAN_JANUS_LIB, 'transports'),
  };
  let config = writeJanusConfig(options);
  // A writeJanusConfig without event_loops: add the server's setting so both nodes run alike.
  const text = readFileSync(config, 'utf8');
  if (eventLoops > 0 && !/event_loops/.test(text)) {
    writeFileSync(config, text.replace('general: {', `general: {\n  event_loops = ${eventLoops}`));
  }
  const child = spawn('janus', ['-F', dir, '-C', config, '-o'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(dir, 'janus.log'));
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  // Ready when its WebSocket transport accepts connections.
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error('the edge Janus exited during start-up');
    const up = await fetch(`http://127.0.0.1:${EDGE_WS_PORT}/`).then(() => true, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  pin(child.pid!, cpu);
  return { pid: child.pid!, dir, stop: () => stopChild(child) };
}

/** One server (+ optional edge), one live Space, bots added step by step. */
async function runPhase(o: Options, sizes: number[], packets: Buffer[], edge: { pid: number } | undefined, log: (s: string) => void): Promise<PhaseResult> {
  const dataDir = tempDir('bench-audience');
  const env: Record<string, string> = { JANUS_WS_PORT: '8288', JANUS_RTP_PORT_RANGE: `${STAGE_RANGE.lo}-${STAGE_RANGE.hi}` };
  if (o.eventLoops !== undefined) env.JANUS_EVENT_LOOPS = String(o.eventLoops);
  if (o.mountpointThreads !== undefined) env.JANUS_MOUNTPOINT_THREADS = String(o.mountpointThreads);
  if (edge) {
    env.JANUS_EDGES = `ws://127.0.0.1:${EDGE_WS_PORT}#${MEDIA_IP}`;
    // Equal caps: the pool fills the node with the lowest listeners/cap, so the two alternate.
    env.SPACES_NODE_CAP = String(o.nodeCap ?? sizes.at(-1)! * 2);
  }
  const server = await startServerProcess({ port: 8380, dataDir, env });
  const fleet = new BotFleet(o);
  let host: StageHost | undefined;
  const result: PhaseResult = { steps: [], joinMs: [], silent: 0, failed: 0, errors: [], eventLoops: 0 };
  const cleanup = async (): Promise<void> => {
    await fleet.close();
    await host?.stop().catch(() => undefined);
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const unhook = onAbort(cleanup);
  try {
    const serverPid = server.child.pid!;
    const janusPid = await findJanusPid(serverPid, dataDir);
    pin(janusPid, o.janusCpu);
    result.eventLoops = Number(/event_loops\s*=\s*(\d+)/.exec(readFileSync(join(dataDir, 'janus', 'janus.jcfg'), 'utf8'))?.[1] ?? 0);
    pin(serverPid, o.botCpu);
    const nodes: NodeRange[] = [{ name: 'stage', ...STAGE_RANGE }, ...(edge ? [{ name: 'edge', ...EDGE_RANGE }] : [])];
    const pids: Record<string, number> = { stage: janusPid, ...(edge ? { edge: edge.pid } : {}) };
    host = await startStageHost(server.url, { title: 'Audience bench', packets });
    await new Promise((r) => setTimeout(r, 1000));
    let current = 0;
    for (const size of sizes) {
      const added = await fleet.add(server.url, host.spaceId, size - current, nodes);
      current = size;
      result.joinMs.push(...added.joinMs);
      result.silent += added.silent;
      result.failed += added.failed;
      result.errors.push(...added.errors.slice(0, 5 - result.errors.length));
      await new Promise((r) => setTimeout(r, o.settleS * 1000));
      await fleet.mark();
      const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
      const bots0 = fleet.cpuMs();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, o.windowS * 1000));
      const wall = performance.now() - t0;
      const cpuPct = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, (100 * (cpuMs(pid) - cpu0[k]!)) / wall]));
      const botCpuPct = (100 * (fleet.cpuMs() - bots0)) / wall;
      const w = await fleet.report();
      const lossPct = w.expected > 0 ? Math.max(0, 100 * (1 - w.received / w.expected)) : 100;
      const fullRate = Object.fromEntries(Object.entries(w.perNodeReceived).map(([k, v]) => [k, v / (w.windowMs / 1000) / 50]));
      const s: StepResult = { listeners: w.bots, perNode: w.perNode, fullRate, lossPct, cpuPct, disconnected: w.disconnected, botCpuPct, ppsPerListener: w.received / Math.max(1, w.bots) / (w.windowMs / 1000), gaps: w.gaps, maxGap: w.maxGap, late: w.late };
      result.steps.push(s);
      log(
        `${s.listeners} listeners (${Object.entries(w.perNode).map(([k, v]) => `${k} ${v}`).join(', ')}): loss ${lossPct.toFixed(2)}%, Janus CPU ${Object.entries(cpuPct).map(([k, v]) => `${k} ${v.toFixed(1)}%`).join(', ')}, ${s.ppsPerListener.toFixed(1)} packets/s each (${w.gaps} gaps, largest ${w.maxGap}, ${w.late} late), bots ${botCpuPct.toFixed(0)}%, ${added.failed} failed, ${added.silent} silent; load ${load().load1}`,
      );
      if (added.failed > 0 && added.added === 0) break;
      // The cascade needs listeners on the edge: a server that ignores JANUS_EDGES puts none there.
      if (edge && !w.perNode.edge) break;
    }
  } finally {
    unhook();
    await cleanup();
  }
  return result;
}

/**
 * A step the slope may use: < 0.5% loss, and the feed at 45-55 packets/s per listener. Outside
 * that band the stage mix fell behind, or a stall's backlog arrived inside the window (either way
 * the machine's load, not the audience, set Janus' CPU in that window).
 */
const usable = (s: StepResult): boolean => s.lossPct < LOSS_LIMIT_PCT && s.ppsPerListener >= 45 && s.ppsPerListener <= 55;

/**
 * Janus CPU slope for `node` over steps with < 0.5% loss: % of a core per full-rate listener
 * (a listener receiving all 50 packets/s), so a stage mix that fell behind under the machine's
 * load does not make listeners look cheaper.
 */
function slopeFor(steps: StepResult[], node: string): { slope: number; intercept: number; points: number } | null {
  const pts = steps.filter((s) => usable(s) && s.cpuPct[node] !== undefined).map((s): [number, number] => [s.fullRate[node] ?? 0, s.cpuPct[node]!]);
  const f = fit(pts);
  return f ? { ...f, points: pts.length } : null;
}

export async function run(args: string[]): Promise<number> {
  // The LiveKit engine (issue 20) has its own bench: subscribers of an SFU, not a mountpoint.
  const e = args.indexOf('--engine');
  if (e >= 0 && args[e + 1] === 'livekit') return (await import('./livekitAudience.js')).run(args);
  if (e >= 0) args = [...args.slice(0, e), ...args.slice(e + 2)];
  const o = parseArgs(args);
  requireNetns();
  raiseOpenFileLimit();
  const log = (line: string): void => void process.stderr.write(`[audience] ${line}\n`);
  const work = tempDir('bench-audience-feed');
  const packets = speechOpusPackets(work);
  const loadBefore = load();

  log(`single node: steps ${o.steps.join('/')}`);
  const single = await runPhase(o, o.steps, packets, undefined, log);

  let cascade: PhaseResult | undefined;
  let cascadeNote: string | null = null;
  let edgeLogDir: string | undefined;
  if (o.cascade) {
    log(`cascade: an edge Janus on CPU ${o.botCpu}, steps ${o.cascadeSteps.join('/')}`);
    const edge = await startEdgeJanus(o.botCpu, single.eventLoops);
    edgeLogDir = edge.dir;
    const unhook = onAbort(edge.stop);
    try {
      cascade = await runPhase(o, o.cascadeSteps, packets, edge, log);
    } finally {
      unhook();
      await edge.stop();
    }
  } else cascadeNote = 'cascade not run (--no-cascade)';

  // ---- single-node figures ----
  const stageFit = slopeFor(single.steps, 'stage');
  const last = single.steps.at(-1);
  const result: Record<string, unknown> = {
    listeners: last?.listeners ?? 0,
    loss_pct: last ? Math.round(last.lossPct * 100) / 100 : null,
    listeners_without_loss: Math.max(0, ...single.steps.filter((s) => s.lossPct < LOSS_LIMIT_PCT).map((s) => s.listeners)),
    join_p50_ms: Math.round(percentile(single.joinMs, 50)),
    join_p95_ms: Math.round(percentile(single.joinMs, 95)),
    janus_cpu_pct_per_100_listeners: stageFit && stageFit.slope > 0 ? Math.round(stageFit.slope * 100 * 100) / 100 : null,
    ...(stageFit && stageFit.slope > 0
      ? {}
      : { slope_note: `fewer than two usable steps (< ${LOSS_LIMIT_PCT}% loss, 45-55 packets/s per listener) or a slope <= 0: the machine's load disturbed the run` }),
    janus_cpu_pct_intercept: stageFit ? round1(stageFit.intercept) : null,
    listeners_per_core: stageFit && stageFit.slope > 0 ? Math.round(100 / stageFit.slope) : null,
    slope_points: stageFit?.points ?? 0,
    janus_event_loops: single.eventLoops,
    silent_bots: single.silent,
    failed_bots: single.failed,
    ...(single.errors.length ? { errors: single.errors } : {}),
    steps: single.steps.map((s) => ({ listeners: s.listeners, loss_pct: Math.round(s.lossPct * 100) / 100, janus_cpu_pct: round1(s.cpuPct.stage ?? NaN), bot_cpu_pct: Math.round(s.botCpuPct), rtp_pps_per_listener: round1(s.ppsPerListener), full_rate_listeners: round1(s.fullRate.stage ?? 0), seq_gaps: s.gaps, largest_gap: s.maxGap, late_packets: s.late, in_slope: usable(s) })),
  };

  // ---- cascade ----
  let nodes = 1;
  let efficiency: number | null = null;
  if (cascade) {
    const onEdge = Math.max(0, ...cascade.steps.map((s) => s.perNode.edge ?? 0));
    nodes = onEdge > 0 ? 2 : 1;
    const st = slopeFor(cascade.steps, 'stage');
    const ed = slopeFor(cascade.steps, 'edge');
    if (onEdge === 0) {
      cascadeNote = `every listener was placed on the stage's node: this server did not use the edge Janus given in JANUS_EDGES (its offers carried no candidate in the edge's port range ${EDGE_RANGE.lo}-${EDGE_RANGE.hi})`;
    } else if (!st || !ed || ed.slope <= 0 || st.slope <= 0) {
      cascadeNote = 'not enough usable steps (< 0.5% loss, 45-55 packets/s per listener) with listeners on both nodes to fit a positive slope per node';
    } else {
      efficiency = Math.round((st.slope / ed.slope) * 100) / 100;
    }
    result.cascade_steps = cascade.steps.map((s) => ({
      listeners: s.listeners,
      per_node: s.perNode,
      full_rate_listeners: Object.fromEntries(Object.entries(s.fullRate).map(([k, v]) => [k, round1(v)])),
      rtp_pps_per_listener: round1(s.ppsPerListener),
      in_slope: usable(s),
      loss_pct: Math.round(s.lossPct * 100) / 100,
      janus_cpu_pct: Object.fromEntries(Object.entries(s.cpuPct).map(([k, v]) => [k, round1(v)])),
      bot_cpu_pct: Math.round(s.botCpuPct),
    }));
    if (st) result.cascade_stage_cpu_pct_per_100_listeners = Math.round(st.slope * 10000) / 100;
    if (ed) result.cascade_edge_cpu_pct_per_100_listeners = Math.round(ed.slope * 10000) / 100;
    result.cascade_join_p50_ms = Math.round(percentile(cascade.joinMs, 50));
  }
  result.nodes = nodes;
  result.cascade_efficiency = efficiency;
  if (cascadeNote) result.cascade_note = cascadeNote;
  result.load_before = loadBefore;
  result.load_after = load();
  rmSync(work, { recursive: true, force: true });
  if (edgeLogDir) rmSync(edgeLogDir, { recursive: true, force: true });

  if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    process.stdout.write(`listeners (largest step)          ${result.listeners}, loss ${result.loss_pct}%\n`);
    process.stdout.write(`first audio (listen.start -> RTP) p50 ${result.join_p50_ms} ms, p95 ${result.join_p95_ms} ms\n`);
    for (const s of single.steps) process.stdout.write(`  ${String(s.listeners).padStart(5)} listeners: Janus ${(s.cpuPct.stage ?? NaN).toFixed(1)}% of a core, loss ${s.lossPct.toFixed(2)}%, bots ${s.botCpuPct.toFixed(0)}% of their core\n`);
    process.stdout.write(`Janus CPU per 100 listeners       ${result.janus_cpu_pct_per_100_listeners}% of a core (intercept ${result.janus_cpu_pct_intercept}%)\n`);
    process.stdout.write(`listeners per core                ${result.listeners_per_core} (target >= ${TARGETS.listeners_per_core})\n`);
    process.stdout.write(`nodes used                        ${nodes}\n`);
    process.stdout.write(`cascade efficiency                ${efficiency ?? 'null'}${cascadeNote ? ` (${cascadeNote})` : ''} (target >= ${TARGETS.cascade_efficiency})\n`);
    process.stdout.write(`load average before ${loadBefore.load1} / ${loadBefore.load5} / ${loadBefore.load15}, after ${(result.load_after as { load1: number }).load1}\n`);
  }
  const okSingle = single.steps.length === o.steps.length && single.failed === 0;
  return okSingle ? 0 : 1;
}
