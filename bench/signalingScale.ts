import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tempDir } from '../test/support/stack.js';
import { startServerProcess } from '../test/support/serverProcess.js';
import { ask, cpuMs, load, onAbort, raiseOpenFileLimit, rssMb, spawnHelper, stopChild } from './support/proc.js';
import type { JoinReport, SocketStats } from './support/signalingListeners.js';
import { connectClient, startStageHost, wsUrl, type StageHost } from './support/weriftHost.js';
import { round1, intOption } from './stats.js';

/**
 * `npm run bench -- signaling --listeners N`: the control plane's cost per listener as the
 * audience grows (issue 11), no media for the listeners.
 *
 * One live Space (a werift host on the stage sending Opus silence) on a Space server in its own
 * process. A child process (bench/support/signalingListeners.ts) opens anonymous listener sockets
 * in bursts of 100 (`space.join` with a display name; every pushed message is read) up to each
 * size of 250 / 1,000 / 4,000 / 10,000 (those below N, then N). For each step the server
 * process's CPU time (utime + stime, /proc/<pid>/stat) is taken from the first socket of the step
 * until the server is quiet again after the last join reply, divided by the listeners joined in
 * that step (incremental: the cost of joining a room that already holds the previous size);
 * `--fresh` uses a new server and Space per size instead (the cost of N joins from empty).
 * At the largest size a member sends 4 reactions/s for 20 s: the server's CPU over that window
 * is `steady_cpu_pct_<N>`, and its VmRSS `server_rss_mb_<N>`.
 */

const SIZES = [250, 1000, 4000, 10_000];
const TARGETS = { join_cpu_ms_per_listener: 1, growth_250_to_10000: 1.5, steady_cpu_pct_10000: 25 };

export interface ScaleOptions {
  json: boolean;
  listeners: number;
  burst: number;
  stepTimeoutS: number;
  fresh: boolean;
  steadyS: number;
  reactionsPerS: number;
  maxServerRssMb: number;
}

export const SCALE_OPTIONS = {
  parse(args: string[]): ScaleOptions {
    const o: ScaleOptions = { json: false, listeners: 10_000, burst: 100, stepTimeoutS: 900, fresh: false, steadyS: 20, reactionsPerS: 4, maxServerRssMb: 3000 };
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '--json') o.json = true;
      // The client process holds one file per socket under a 20,000 hard limit (ENVIRONMENT.md).
      else if (a === '--listeners') o.listeners = intOption(a, args[++i], 1, 19_000);
      else if (a === '--burst') o.burst = intOption(a, args[++i], 1, 1000);
      else if (a === '--step-timeout-s') o.stepTimeoutS = intOption(a, args[++i], 10, 7200);
      else if (a === '--fresh') o.fresh = true;
      else if (a === '--steady-s') o.steadyS = intOption(a, args[++i], 1, 600);
      else if (a === '--reactions-per-s') o.reactionsPerS = intOption(a, args[++i], 1, 100);
      else if (a === '--max-server-rss-mb') o.maxServerRssMb = intOption(a, args[++i], 200, 20_000);
      else
        throw new Error(
          `unknown option "${a}" (scale mode: --listeners N, --json, --fresh, --burst N, --step-timeout-s S, --steady-s S, --reactions-per-s N, --max-server-rss-mb MB)`,
        );
    }
    return o;
  },
};

interface Session {
  url: string;
  serverPid: number;
  /** The server's CPU with the live Space and no listeners (ms per s): subtracted from each step. */
  idleCpuMsPerS: number;
  host: StageHost;
  listeners: ChildProcess;
  dataDir: string;
  stop(): Promise<void>;
}

async function startSession(reactionsPerS: number): Promise<Session> {
  const dataDir = tempDir('bench-signaling-scale');
  const server = await startServerProcess({
    port: 8380,
    dataDir,
    // The reaction sender must not be rate-limited; the grace timers do not matter here.
    env: { JANUS_WS_PORT: '8288', SPACES_REACTIONS_PER_10S: String(Math.max(100_000, reactionsPerS * 1000)) },
  });
  const serverPid = server.child.pid!;
  let host: StageHost | undefined;
  let listeners: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    unhook();
    if (listeners) {
      await ask(listeners, { cmd: 'close' }, 30_000).catch(() => undefined);
      await stopChild(listeners);
    }
    await host?.stop().catch(() => undefined);
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const unhook = onAbort(stop);
  try {
    host = await startStageHost(server.url, { title: 'Control plane at scale' });
    listeners = spawnHelper('./signalingListeners.ts');
    // What the server spends with a live stage and nobody listening (timers, Janus events): under
    // a loaded machine a step takes longer, and this idle cost would otherwise be charged to joins.
    await quiet(serverPid, 10_000);
    const c0 = cpuMs(serverPid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 3000));
    const idleCpuMsPerS = ((cpuMs(serverPid) - c0) * 1000) / (performance.now() - t0);
    return { url: server.url, serverPid, idleCpuMsPerS, host, listeners, dataDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Waits until the server has spent < 2% of a core over 500 ms (its flushes are done), at most `maxMs`. */
async function quiet(pid: number, maxMs = 60_000): Promise<void> {
  const end = performance.now() + maxMs;
  while (performance.now() < end) {
    const c0 = cpuMs(pid);
    await new Promise((r) => setTimeout(r, 500));
    if (cpuMs(pid) - c0 < 10) return;
  }
}

interface StepResult {
  size: number;
  joinedInStep: number;
  cpuMsPerListener: number;
  allJoinedS: number | null;
  serverRssMb: number;
  failed: number;
  errors: Record<string, number>;
  note?: string;
}

/** Joins `count` more listeners and measures the server's CPU for it. */
async function step(s: Session, size: number, count: number, o: ScaleOptions): Promise<StepResult> {
  const cpu0 = cpuMs(s.serverPid);
  const t0 = performance.now();
  let rssAbort = false;
  const guard = setInterval(() => {
    // A server that queues huge updates for thousands of sockets could eat the shared machine's memory.
    if (rssMb(s.serverPid) > o.maxServerRssMb) {
      rssAbort = true;
      process.kill(s.serverPid, 'SIGKILL');
    }
  }, 500);
  let report: JoinReport;
  try {
    report = await ask<JoinReport>(s.listeners, { cmd: 'join', url: wsUrl(s.url), spaceId: s.host.spaceId, count, burst: o.burst, deadlineMs: o.stepTimeoutS * 1000 });
  } finally {
    clearInterval(guard);
  }
  if (rssAbort) {
    return { size, joinedInStep: report.joined, cpuMsPerListener: NaN, allJoinedS: null, serverRssMb: o.maxServerRssMb, failed: report.failed, errors: report.errors, note: `server killed: VmRSS above ${o.maxServerRssMb} MB` };
  }
  await quiet(s.serverPid);
  const idle = (s.idleCpuMsPerS * (performance.now() - t0)) / 1000;
  const cpu = Math.max(0, cpuMs(s.serverPid) - cpu0 - idle);
  const complete = report.failed === 0 && !report.timedOut;
  return {
    size,
    joinedInStep: report.joined,
    cpuMsPerListener: report.joined > 0 ? cpu / report.joined : NaN,
    allJoinedS: complete ? report.elapsedMs / 1000 : null,
    serverRssMb: rssMb(s.serverPid),
    failed: report.failed,
    errors: report.errors,
    ...(complete ? {} : { note: report.timedOut ? `not all joined within ${o.stepTimeoutS} s` : 'some joins failed' }),
  };
}

/** A member sends reactions at `perS` for `seconds`; the server's CPU % of one core over the window. */
async function steady(s: Session, o: ScaleOptions): Promise<{ cpuPct: number; sent: number; deliveredPerListener: number }> {
  const member = await connectClient(s.url);
  try {
    await member.request('space.join', { spaceId: s.host.spaceId, displayName: 'Reaction sender' });
    await quiet(s.serverPid, 30_000);
    const before = await ask<SocketStats>(s.listeners, { cmd: 'stats' });
    const cpu0 = cpuMs(s.serverPid);
    const t0 = performance.now();
    let sent = 0;
    const total = o.steadyS * o.reactionsPerS;
    for (; sent < total; sent++) {
      const due = t0 + (sent * 1000) / o.reactionsPerS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      void member.request('reaction.send', { spaceId: s.host.spaceId, reaction: '👏' }).catch(() => undefined);
    }
    const end = t0 + o.steadyS * 1000;
    if (end > performance.now()) await new Promise((r) => setTimeout(r, end - performance.now()));
    const cpuPct = (100 * (cpuMs(s.serverPid) - cpu0)) / (performance.now() - t0);
    await new Promise((r) => setTimeout(r, 1000)); // last deliveries arrive
    const after = await ask<SocketStats>(s.listeners, { cmd: 'stats' });
    return { cpuPct, sent, deliveredPerListener: (after.messages - before.messages) / Math.max(1, after.open) };
  } finally {
    member.close();
  }
}

export async function runScale(o: ScaleOptions): Promise<number> {
  const nofile = raiseOpenFileLimit();
  const sizes = [...new Set([...SIZES.filter((x) => x < o.listeners), o.listeners])];
  const loadBefore = load();
  const steps: StepResult[] = [];
  let steadyResult: Awaited<ReturnType<typeof steady>> | undefined;
  let steadyRss = NaN;
  let session: Session | undefined;
  let idlePct = NaN;
  const log = (line: string): void => void process.stderr.write(`[signaling] ${line}\n`);
  try {
    let joined = 0;
    for (const size of sizes) {
      if (o.fresh || !session) {
        await session?.stop();
        session = await startSession(o.reactionsPerS);
        joined = 0;
      }
      idlePct = round1(session.idleCpuMsPerS / 10);
      const r = await step(session, size, size - joined, o);
      joined += r.joinedInStep;
      steps.push(r);
      log(`${size} listeners: ${round1(r.cpuMsPerListener)} ms CPU per join, all joined after ${r.allJoinedS === null ? "-" : round1(r.allJoinedS)} s, server RSS ${Math.round(r.serverRssMb)} MB${r.note ? ` (${r.note})` : ''}`);
      if (r.note) break; // the next size would only take longer
    }
    const last = steps.at(-1);
    if (session && last && !last.note) {
      steadyResult = await steady(session, o);
      steadyRss = rssMb(session.serverPid);
      log(`steady at ${last.size}: ${round1(steadyResult.cpuPct)}% of a core with ${o.reactionsPerS} reactions/s`);
    }
  } finally {
    await session?.stop();
  }

  const result: Record<string, unknown> = { mode: o.fresh ? 'fresh' : 'incremental', burst: o.burst, nofile_soft_limit: nofile, server_idle_cpu_pct: idlePct };
  for (const r of steps) {
    result[`join_cpu_ms_per_listener_${r.size}`] = Number.isFinite(r.cpuMsPerListener) ? Math.round(r.cpuMsPerListener * 100) / 100 : null;
    result[`all_joined_s_${r.size}`] = r.allJoinedS === null ? null : round1(r.allJoinedS);
    result[`server_rss_mb_after_${r.size}`] = Math.round(r.serverRssMb);
    if (r.failed) result[`join_failures_${r.size}`] = r.errors;
    if (r.note) result[`note_${r.size}`] = r.note;
  }
  const per = steps.map((r) => r.cpuMsPerListener).filter(Number.isFinite);
  result.join_cpu_ms_per_listener = per.length ? Math.round(Math.max(...per) * 100) / 100 : null;
  const first = steps[0]?.cpuMsPerListener;
  const top = steps.at(-1);
  result.join_cpu_growth = first && top && Number.isFinite(top.cpuMsPerListener) ? Math.round((top.cpuMsPerListener / first) * 100) / 100 : null;
  const n = top && !top.note ? top.size : undefined;
  if (n !== undefined && steadyResult) {
    result[`steady_cpu_pct_${n}`] = round1(steadyResult.cpuPct);
    result[`server_rss_mb_${n}`] = Math.round(steadyRss);
    result.steady_reactions_sent = steadyResult.sent;
    result.steady_messages_per_listener = round1(steadyResult.deliveredPerListener);
  }
  const unreached = SIZES.filter((x) => x <= o.listeners && !steps.some((r) => r.size === x && !r.note));
  if (unreached.length) result.not_measured = unreached.map((x) => `join_cpu_ms_per_listener_${x}`);
  result.load_before = loadBefore;
  result.load_after = load();

  if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    process.stdout.write(`control plane, ${o.fresh ? 'a fresh Space per size' : 'one Space, incremental steps'}, bursts of ${o.burst}\n`);
    process.stdout.write(`${'listeners'.padEnd(10)} ${'CPU per join'.padEnd(14)} ${'all joined'.padEnd(12)} server RSS\n`);
    for (const r of steps) {
      process.stdout.write(
        `${String(r.size).padEnd(10)} ${(Number.isFinite(r.cpuMsPerListener) ? `${r.cpuMsPerListener.toFixed(2)} ms` : '-').padEnd(14)} ${(r.allJoinedS === null ? '-' : `${r.allJoinedS.toFixed(1)} s`).padEnd(12)} ${Math.round(r.serverRssMb)} MB${r.note ? `  (${r.note})` : ''}\n`,
      );
    }
    if (n !== undefined && steadyResult) {
      process.stdout.write(`steady at ${n}: ${steadyResult.cpuPct.toFixed(1)}% of a core with ${o.reactionsPerS} reactions/s (target <= ${TARGETS.steady_cpu_pct_10000}% at 10,000), server RSS ${Math.round(steadyRss)} MB, ${steadyResult.deliveredPerListener.toFixed(1)} messages per listener\n`);
    }
    process.stdout.write(`targets: CPU per join <= ${TARGETS.join_cpu_ms_per_listener} ms at every size, within ${TARGETS.growth_250_to_10000}x from 250 to 10,000\n`);
    process.stdout.write(`load average before ${loadBefore.load1} / ${loadBefore.load5} / ${loadBefore.load15}, after ${(result.load_after as { load1: number }).load1}\n`);
  }
  return steps.length > 0 && steps.every((r) => !r.note) ? 0 : 1;
}
