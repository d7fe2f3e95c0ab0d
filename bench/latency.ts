import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { configFromEnv } from '../src/server/config.js';
import type { RunningServer } from '../src/server/app.js';
import { SignalingClient } from '../src/shared/signalingClient.js';
import { launchChromium } from '../test/support/browser.js';
import { requireNetns, startTestServer, tempDir } from '../test/support/stack.js';

/**
 * Mouth-to-ear latency through the real stack (Space server + its own Janus + Chromium), measured
 * with a click train played as the host's microphone:
 *
 *  - stage path:    host -> AudioBridge -> second stage participant (mix minus itself)
 *  - audience path: host -> AudioBridge -> RTP forward -> Streaming mountpoint -> listener
 *
 * The three endpoints (host, stage participant, listener) are three RTCPeerConnections in one
 * Chromium page, and every click onset (first sample with |x| > 0.75 after a 150 ms refractory
 * period) is detected by an AudioWorklet in ONE AudioContext: the sent clicks on the host's
 * microphone track, the received ones on each remote track. All onsets are therefore frame
 * numbers on the same audio clock; no cross-process clock conversion is involved. Each sent click
 * is paired with the first not-yet-used received onset 0-1000 ms after it.
 */

export const description = 'mouth-to-ear latency with a click train: host -> stage participant, host -> listener';

const THRESHOLD = 0.75;
const REFRACTORY_MS = 150;
const MATCH_WINDOW_MS = 1000;
const TARGETS = { stage_p50_ms: 150, audience_p50_ms: 250 };

interface Options {
  json: boolean;
  clicks: number;
  periodMs: number;
  warmupMs: number;
  prebuffer: number;
}

function parseArgs(args: string[]): Options {
  const o: Options = { json: false, clicks: 24, periodMs: 450, warmupMs: 3000, prebuffer: configFromEnv(process.env).prebuffer };
  const int = (name: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} needs an integer between ${min} and ${max}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') o.json = true;
    else if (a === '--clicks') o.clicks = int(a, args[++i], 20, 500);
    else if (a === '--period-ms') o.periodMs = int(a, args[++i], 300, 2000);
    else if (a === '--warmup-ms') o.warmupMs = int(a, args[++i], 0, 60_000);
    else if (a === '--prebuffer') o.prebuffer = int(a, args[++i], 1, 20);
    else throw new Error(`unknown option "${a}" (options: --json, --clicks N, --period-ms MS, --warmup-ms MS, --prebuffer PACKETS)`);
  }
  return o;
}

/** A click train with sox: `clicks` 5 ms tone bursts at 0.95 full scale, one every `periodMs`. */
function makeClickTrain(dir: string, clicks: number, periodMs: number): string {
  const click = join(dir, 'click.wav');
  const train = join(dir, 'clicks.wav');
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', click, 'synth', '0.005', 'sine', '2000', 'vol', '0.95']);
  execFileSync('sox', [click, train, 'pad', '0', String((periodMs - 5) / 1000), 'repeat', String(clicks - 1)]);
  return train;
}

// ---------------------------------------------------------------------------------------------
// In-page code, served as plain JavaScript (not passed through the TypeScript toolchain).

const WORKLET_JS = `
class Onsets extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions;
    this.threshold = o.threshold;
    this.refractory = Math.round((o.refractoryMs * sampleRate) / 1000);
    this.peakWindow = Math.round(0.02 * sampleRate);
    this.last = -Infinity;
    this.pending = null; // onset whose peak (next 20 ms) is being measured
    this.max = 0;
    this.nextReport = 0;
  }
  process(inputs) {
    const input = inputs[0];
    if (input && input.length > 0) {
      const n = input[0].length;
      for (let i = 0; i < n; i++) {
        let x = 0;
        for (let c = 0; c < input.length; c++) {
          const v = Math.abs(input[c][i]);
          if (v > x) x = v;
        }
        const frame = currentFrame + i;
        if (x > this.max) this.max = x;
        if (this.pending) {
          if (x > this.pending.peak) this.pending.peak = x;
          if (frame - this.pending.frame >= this.peakWindow) {
            this.port.postMessage({ type: 'onset', frame: this.pending.frame, peak: this.pending.peak });
            this.pending = null;
          }
        }
        if (x > this.threshold && frame - this.last >= this.refractory) {
          this.last = frame;
          this.pending = { frame, peak: x };
        }
      }
    }
    if (currentFrame >= this.nextReport) {
      this.port.postMessage({ type: 'level', max: this.max });
      this.nextReport = currentFrame + sampleRate;
    }
    return true;
  }
}
registerProcessor('onsets', Onsets);
`;

const PAGE_JS = `
window.bench = (() => {
  const ctx = new AudioContext({ sampleRate: 48000 });
  const sink = ctx.createGain();
  sink.gain.value = 0;
  sink.connect(ctx.destination);
  const labels = ['host', 'stage', 'audience', 'reference'];
  const onsets = {}, peaks = {}, maxLevel = {}, seen = {};
  for (const l of labels) { onsets[l] = []; peaks[l] = []; maxLevel[l] = 0; seen[l] = 0; }
  const pcs = {};
  let recording = false;
  let keep = [];

  function tap(label, stream) {
    const node = new AudioWorkletNode(ctx, 'onsets', {
      processorOptions: { threshold: ${THRESHOLD}, refractoryMs: ${REFRACTORY_MS} },
    });
    node.port.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'level') { maxLevel[label] = m.max; return; }
      seen[label]++;
      if (recording) { onsets[label].push(m.frame); peaks[label].push(m.peak); }
    };
    const src = ctx.createMediaStreamSource(stream);
    src.connect(node).connect(sink);
    keep.push(src, node);
  }

  function play(stream) {
    // Remote audio is also played, as a listener would (and so Chromium renders the track).
    const el = document.createElement('audio');
    el.autoplay = true;
    el.srcObject = stream;
    document.body.appendChild(el);
    el.play().catch(() => {});
  }

  function gathered(pc) {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 3000);
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); }
      });
    });
  }

  async function init() {
    await ctx.audioWorklet.addModule('/onset-worklet.js');
    await ctx.resume();
    // The host: the fake microphone (the click train), with all processing off.
    const mic = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    tap('host', mic);
    pcs.host = new RTCPeerConnection({ iceServers: [] });
    pcs.host.addTrack(mic.getAudioTracks()[0], mic);
    pcs.host.ontrack = (e) => play(new MediaStream([e.track]));
    // The second stage participant sends silence (an oscillator at gain 0).
    const osc = ctx.createOscillator();
    const mute = ctx.createGain();
    mute.gain.value = 0;
    const dest = ctx.createMediaStreamDestination();
    osc.connect(mute).connect(dest);
    osc.start();
    keep.push(osc, mute, dest);
    pcs.stage = new RTCPeerConnection({ iceServers: [] });
    pcs.stage.addTrack(dest.stream.getAudioTracks()[0], dest.stream);
    pcs.stage.ontrack = (e) => { const s = new MediaStream([e.track]); play(s); tap('stage', s); };
    // The listener only receives.
    pcs.audience = new RTCPeerConnection({ iceServers: [] });
    pcs.audience.ontrack = (e) => { const s = new MediaStream([e.track]); play(s); tap('audience', s); };
    // Reference: the same microphone straight to a second peer connection in this page, no
    // server in between (what the browsers alone cost: capture, Opus, jitter buffer, playout).
    pcs.refSend = new RTCPeerConnection({ iceServers: [] });
    pcs.refRecv = new RTCPeerConnection({ iceServers: [] });
    pcs.refSend.addTrack(mic.getAudioTracks()[0], mic);
    pcs.refRecv.ontrack = (e) => { const s = new MediaStream([e.track]); play(s); tap('reference', s); };
    await pcs.refSend.setLocalDescription(await pcs.refSend.createOffer());
    await gathered(pcs.refSend);
    await pcs.refRecv.setRemoteDescription(pcs.refSend.localDescription);
    await pcs.refRecv.setLocalDescription(await pcs.refRecv.createAnswer());
    await gathered(pcs.refRecv);
    await pcs.refSend.setRemoteDescription(pcs.refRecv.localDescription);
    return { sampleRate: ctx.sampleRate, micSettings: mic.getAudioTracks()[0].getSettings() };
  }

  async function offer(kind) {
    const pc = pcs[kind];
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    return pc.localDescription.sdp;
  }

  async function accept(kind, sdp) {
    await pcs[kind].setRemoteDescription({ type: 'answer', sdp });
  }

  async function answer(kind, sdp) {
    const pc = pcs[kind];
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    return pc.localDescription.sdp;
  }

  function state() {
    const conn = {};
    for (const k of Object.keys(pcs)) conn[k] = pcs[k].connectionState;
    return { conn, seen: { ...seen }, maxLevel: { ...maxLevel }, ctxState: ctx.state, frame: Math.round(ctx.currentTime * ctx.sampleRate) };
  }

  /** Starts (clearing what was collected) or stops collecting onsets. */
  function record(on) {
    if (on) for (const l of labels) { onsets[l] = []; peaks[l] = []; }
    recording = on;
  }

  /** Receive-side jitter buffer totals (inbound-rtp) per path, to split the latency up. */
  async function jitter() {
    const out = {};
    for (const [label, pc] of [['stage', pcs.stage], ['audience', pcs.audience], ['reference', pcs.refRecv]]) {
      const stats = await pc.getStats();
      stats.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') out[label] = { delay: r.jitterBufferDelay, count: r.jitterBufferEmittedCount, lost: r.packetsLost, received: r.packetsReceived };
      });
    }
    return out;
  }

  function collected() {
    return { onsets, peaks, sampleRate: ctx.sampleRate };
  }

  async function close() {
    for (const pc of Object.values(pcs)) pc.close();
    await ctx.close();
  }

  return { init, offer, accept, answer, state, record, collected, jitter, close };
})();
`;

const PAGE_HTML = '<!doctype html><html><head><meta charset="utf-8"><title>latency bench</title></head><body><script src="/page.js"></script></body></html>';

/** A tiny HTTP server on 127.0.0.1 for the bench page (localhost is a secure context for getUserMedia). */
async function startPageServer(): Promise<{ url: string; server: Server }> {
  const files: Record<string, [string, string]> = {
    '/': ['text/html; charset=utf-8', PAGE_HTML],
    '/page.js': ['text/javascript; charset=utf-8', PAGE_JS],
    '/onset-worklet.js': ['text/javascript; charset=utf-8', WORKLET_JS],
  };
  const server = createServer((req, res) => {
    const f = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!f) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': f[0], 'Cache-Control': 'no-store' }).end(f[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

// ---------------------------------------------------------------------------------------------

type Path = 'stage' | 'audience' | 'reference';
type Label = 'host' | Path;
const PATHS: Path[] = ['stage', 'audience', 'reference'];
/** The negotiation part of PAGE_JS's `window.bench`. */
interface BenchApi {
  offer(kind: string): Promise<string>;
  accept(kind: string, sdp: string): Promise<void>;
  answer(kind: string, offer: string): Promise<string>;
}
interface PageState {
  conn: Record<string, RTCPeerConnectionState>;
  seen: Record<Label, number>;
  maxLevel: Record<Label, number>;
  ctxState: string;
  frame: number;
}

/** Percentile with linear interpolation between closest ranks (numpy's default). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (p / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Pairs each sent onset with the first unused received onset 0..windowMs after it (both sorted, in ms). */
export function pairOnsets(sent: number[], received: number[], windowMs = MATCH_WINDOW_MS): { latencies: number[]; missed: number; matchedIdx: Set<number> } {
  const latencies: number[] = [];
  const matchedIdx = new Set<number>();
  let j = 0;
  let missed = 0;
  for (const s of sent) {
    while (j < received.length && received[j]! <= s) j++;
    if (j < received.length && received[j]! - s <= windowMs) {
      latencies.push(received[j]! - s);
      matchedIdx.add(j);
      j++;
    } else missed++;
  }
  return { latencies, missed, matchedIdx };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

interface PathResult {
  latencies: number[];
  missed: number;
  extra: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
  peakMedian: number;
  /** Mean jitter buffer delay of the receiving browser over the run (inbound-rtp stats). */
  jitterBufferMs: number;
  packetsLost: number;
}

export async function run(args: string[]): Promise<number> {
  const opts = parseArgs(args);
  requireNetns();
  const log = (msg: string): void => void process.stderr.write(`[latency] ${msg}\n`);

  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let pageServer: Server | undefined;
  const clients: SignalingClient[] = [];
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    for (const c of clients) c.close();
    await page?.evaluate('window.bench && window.bench.close()').catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await new Promise<void>((r) => (pageServer ? pageServer.close(() => r()) : r()));
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const dir = tempDir('bench-latency');
    const wav = makeClickTrain(dir, opts.clicks, opts.periodMs);
    log(`click train: ${opts.clicks} clicks, ${opts.periodMs} ms apart (${wav})`);

    server = await startTestServer({ prebuffer: opts.prebuffer });
    log(`Space server ${server.url}, Janus pid ${server.janus?.pid}, AudioBridge prebuffer ${opts.prebuffer} packets`);
    const pages = await startPageServer();
    pageServer = pages.server;

    browser = await launchChromium({ micWav: wav, loop: true });
    page = await (await browser.newContext()).newPage();
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    await page.goto(pages.url);
    const info = await page.evaluate('window.bench.init()');
    log(`page ready: ${JSON.stringify(info)}`);

    const wsUrl = server.url.replace(/^http/, 'ws') + '/ws';
    const connect = async (): Promise<SignalingClient> => {
      const c = new SignalingClient(wsUrl, (u) => new WebSocket(u) as never);
      clients.push(c);
      await c.connect();
      return c;
    };
    const [hostC, stageC, listenerC] = [await connect(), await connect(), await connect()];
    const { space, hostToken } = await hostC.request('space.create', { title: 'Latency bench', hostName: 'Host' });

    // Host on the stage (the Space goes live), then the second participant with the same token.
    for (const [kind, client] of [['host', hostC], ['stage', stageC]] as const) {
      const offer = await page.evaluate(({ k }) => (window as unknown as { bench: BenchApi }).bench.offer(k), { k: kind });
      const { sdp } = await client.request('stage.join', { spaceId: space.id, hostToken, sdp: offer });
      await page.evaluate(({ k, s }) => (window as unknown as { bench: BenchApi }).bench.accept(k, s), { k: kind, s: sdp });
    }
    // The listener: Janus' Streaming offer, the page's answer.
    const { sdp: janusOffer } = await listenerC.request('listen.start', { spaceId: space.id });
    const answer = await page.evaluate(({ s }) => (window as unknown as { bench: BenchApi }).bench.answer('audience', s), { s: janusOffer });
    await listenerC.request('listen.answer', { spaceId: space.id, sdp: answer });

    const state = (): Promise<PageState> => page!.evaluate('window.bench.state()') as Promise<PageState>;
    await until('every peer connection to connect', 20_000, state, (s) => Object.values(s.conn).length === 5 && Object.values(s.conn).every((v) => v === 'connected'));
    log('connected; waiting for clicks on every path');
    await until('clicks on every path (maxLevel shows what arrives)', 20_000, state, (s) => PATHS.every((p) => s.seen[p] >= 2) && s.seen.host >= 2);
    log(`warming up ${opts.warmupMs} ms (jitter buffers settle)`);
    await new Promise((r) => setTimeout(r, opts.warmupMs));

    // Record `clicks` sent clicks (one loop of the train), plus a tail for the last to arrive.
    type Collected = { onsets: Record<Label, number[]>; peaks: Record<Label, number[]>; sampleRate: number };
    type Jitter = Partial<Record<Path, { delay: number; count: number; lost: number; received: number }>>;
    const collected = (): Promise<Collected> => page!.evaluate('window.bench.collected()') as Promise<Collected>;
    const jitter = (): Promise<Jitter> => page!.evaluate('window.bench.jitter()') as Promise<Jitter>;
    const jitterBefore = await jitter();
    await page.evaluate('window.bench.record(true)');
    log(`recording ${opts.clicks} clicks`);
    await until(`${opts.clicks} sent clicks`, opts.clicks * opts.periodMs + 10_000, collected, (c) => c.onsets.host.length >= opts.clicks);
    await new Promise((r) => setTimeout(r, MATCH_WINDOW_MS + 200));
    await page.evaluate('window.bench.record(false)');
    const c = await collected();
    const jitterAfter = await jitter();
    const final = await state();

    const ms = (frames: number[]): number[] => frames.map((f) => (f / c.sampleRate) * 1000);
    const sent = ms(c.onsets.host).slice(0, opts.clicks);
    const lastSent = sent[sent.length - 1]!;
    const measure = (label: Path): PathResult => {
      const received = ms(c.onsets[label]);
      const { latencies, missed, matchedIdx } = pairOnsets(sent, received);
      // Onsets between the first and last sent click that match no sent click: false detections.
      const extra = received.filter((r, i) => r > sent[0]! && r <= lastSent && !matchedIdx.has(i)).length;
      const peaks = matchedIdx.size ? [...matchedIdx].map((i) => c.peaks[label][i]!) : [final.maxLevel[label]];
      const a = jitterAfter[label];
      const b = jitterBefore[label];
      const jitterBufferMs = a && b && a.count > b.count ? ((a.delay - b.delay) / (a.count - b.count)) * 1000 : NaN;
      return {
        latencies,
        missed,
        extra,
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        min: latencies.length ? Math.min(...latencies) : NaN,
        max: latencies.length ? Math.max(...latencies) : NaN,
        peakMedian: percentile(peaks, 50),
        jitterBufferMs,
        packetsLost: a && b ? a.lost - b.lost : NaN,
      };
    };
    const stage = measure('stage');
    const audience = measure('audience');
    const reference = measure('reference');
    const enough = stage.latencies.length >= 20 && audience.latencies.length >= 20;
    const met = { stage: stage.p50 <= TARGETS.stage_p50_ms, audience: audience.p50 <= TARGETS.audience_p50_ms };

    if (opts.json) {
      const extras = (name: Path, r: PathResult): Record<string, unknown> => ({
        [`${name}_samples`]: r.latencies.length,
        [`${name}_missed`]: r.missed,
        [`${name}_min_ms`]: round1(r.min),
        [`${name}_max_ms`]: round1(r.max),
        [`${name}_jitter_buffer_ms`]: round1(r.jitterBufferMs),
        [`${name}_packets_lost`]: r.packetsLost,
        [`${name}_latencies_ms`]: r.latencies.map(round1),
      });
      const out = {
        stage_p50_ms: round1(stage.p50),
        stage_p95_ms: round1(stage.p95),
        audience_p50_ms: round1(audience.p50),
        audience_p95_ms: round1(audience.p95),
        samples: sent.length,
        ...extras('stage', stage),
        ...extras('audience', audience),
        reference_p50_ms: round1(reference.p50),
        reference_p95_ms: round1(reference.p95),
        ...extras('reference', reference),
        prebuffer: opts.prebuffer,
        click_period_ms: opts.periodMs,
        targets: { ...TARGETS, stage_met: met.stage, audience_met: met.audience },
      };
      process.stdout.write(JSON.stringify(out) + '\n');
    } else {
      const f = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a').padStart(10);
      const row = (name: string, r: PathResult, target: string): string =>
        `${name.padEnd(42)}${f(r.p50)}${f(r.p95)}${f(r.min)}${f(r.max)}${`${r.latencies.length}/${sent.length}`.padStart(8)}${f(r.jitterBufferMs)}   ${target}`;
      const lines = [
        `Mouth-to-ear latency: ${sent.length} clicks ${opts.periodMs} ms apart; AudioBridge prebuffer ${opts.prebuffer} packets (x 20 ms)`,
        '',
        `${'path'.padEnd(42)}${'p50'.padStart(10)}${'p95'.padStart(10)}${'min'.padStart(10)}${'max'.padStart(10)}${'clicks'.padStart(8)}${'jbuf'.padStart(10)}   target`,
        row('stage     host -> AudioBridge -> speaker', stage, `p50 <= ${TARGETS.stage_p50_ms} ms: ${met.stage ? 'met' : 'MISSED'}`),
        row('audience  host -> ... Streaming -> listener', audience, `p50 <= ${TARGETS.audience_p50_ms} ms: ${met.audience ? 'met' : 'MISSED'}`),
        row('reference host -> peer, no server', reference, '(browser-only baseline)'),
        '',
        'jbuf: mean jitter buffer delay of the receiving browser during the run (getStats).',
        `received click peak (median |x|): stage ${stage.peakMedian.toFixed(2)}, audience ${audience.peakMedian.toFixed(2)}, reference ${reference.peakMedian.toFixed(2)}; ` +
          `false onsets: ${stage.extra}/${audience.extra}/${reference.extra}; packets lost: ${stage.packetsLost}/${audience.packetsLost}/${reference.packetsLost}`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    }
    if (!enough) {
      log(`too few paired clicks (need >= 20 per path): stage ${stage.latencies.length}, audience ${audience.latencies.length}; max levels ${JSON.stringify(final.maxLevel)}`);
      return 1;
    }
    return 0;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
