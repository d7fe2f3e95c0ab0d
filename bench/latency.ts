import { intOption } from './stats.js';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { configFromEnv } from '../src/server/config.js';
import type { RunningServer } from '../src/server/app.js';
import { SignalingClient } from '../src/shared/signalingClient.js';
import { launchChromium } from '../test/support/browser.js';
import { livekitConfig, requireNetns, startTestServer, tempDir } from '../test/support/stack.js';

/**
 * Mouth-to-ear latency through the real stack (Space server + its own Janus + Chromium), measured
 * with a click train played as the host's microphone:
 *
 *  - stage path:     host -> AudioBridge -> a speaker on the stage (who gets the mix minus themselves)
 *  - audience path:  host -> AudioBridge -> RTP forward -> Streaming mountpoint -> listener
 *  - reference path: host -> a second peer connection directly, no server (browser-only cost)
 *
 * The endpoints are RTCPeerConnections in one Chromium page, and every click onset (first sample
 * with |x| > 0.75 after a 150 ms refractory period) is detected by an AudioWorklet in ONE
 * AudioContext: the sent clicks on the host's microphone track, the received ones on each remote
 * track (which also plays in an <audio> element). All onsets are frame numbers on the same audio
 * clock, so no clock conversion is involved. Each sent click is paired with the first unused
 * received onset 0-1000 ms after it.
 *
 * Latency is nearly constant within one session but differs between sessions (it is set when the
 * peers join: AudioBridge queue phase, jitter buffer start), so the bench runs several sessions
 * (new Space, new page, new peer connections; same server and browser) and pools the clicks.
 */

export const description = 'mouth-to-ear latency with a click train: host -> stage participant, host -> listener';

/** livekit-client's ES module build, served to the bench page for `--engine livekit`. */
const LIVEKIT_CLIENT_ESM = createRequire(import.meta.url).resolve('livekit-client').replace(/livekit-client\.[a-z.]+js$/, 'livekit-client.esm.mjs');

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
  sessions: number;
  /** The media engine under test (issue 20). */
  engine: 'janus' | 'livekit';
}

function parseArgs(args: string[]): Options {
  const o: Options = { json: false, clicks: 24, periodMs: 450, warmupMs: 3000, prebuffer: configFromEnv(process.env).prebuffer, sessions: 3, engine: 'janus' };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') o.json = true;
    else if (a === '--clicks') o.clicks = intOption(a, args[++i], 20, 500);
    else if (a === '--period-ms') o.periodMs = intOption(a, args[++i], 300, 2000);
    else if (a === '--warmup-ms') o.warmupMs = intOption(a, args[++i], 0, 60_000);
    else if (a === '--prebuffer') o.prebuffer = intOption(a, args[++i], 1, 20);
    else if (a === '--sessions') o.sessions = intOption(a, args[++i], 1, 50);
    else if (a === '--engine') {
      const e = args[++i];
      if (e !== 'janus' && e !== 'livekit') throw new Error('--engine is janus or livekit');
      o.engine = e;
    } else throw new Error(`unknown option "${a}" (options: --json, --engine janus|livekit, --sessions N, --clicks N, --period-ms MS, --warmup-ms MS, --prebuffer PACKETS)`);
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

  const rooms = {};
  let micStream = null, silence = null;

  async function init(engine) {
    await ctx.audioWorklet.addModule('/onset-worklet.js');
    await ctx.resume();
    // The host: the fake microphone (the click train), with all processing off.
    const mic = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    tap('host', mic);
    micStream = mic;
    if (engine === 'livekit') {
      const osc = ctx.createOscillator();
      const mute = ctx.createGain();
      mute.gain.value = 0;
      const dest = ctx.createMediaStreamDestination();
      osc.connect(mute).connect(dest);
      osc.start();
      keep.push(osc, mute, dest);
      silence = dest.stream;
    }
    if (engine !== 'livekit') {
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
    }
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

  /** LiveKit (issue 20): joins the Space's room with a grant; host and stage publish, stage and audience hear. */
  async function livekit(kind, url, token) {
    const { Room, Track } = await import('/livekit-client.mjs');
    const room = new Room({ adaptiveStream: false, dynacast: false, stopLocalTrackOnUnpublish: false });
    rooms[kind] = room;
    room.on('trackSubscribed', (track) => {
      if (track.kind !== 'audio' || kind === 'host') return;
      const s = new MediaStream([track.mediaStreamTrack]);
      play(s);
      tap(kind, s);
    });
    await room.connect(url, token, { autoSubscribe: kind !== 'host' });
    const publish = kind === 'host' ? micStream : kind === 'stage' ? silence : null;
    if (publish) await room.localParticipant.publishTrack(publish.getAudioTracks()[0], { source: Track.Source.Microphone, dtx: false, red: false, audioPreset: { maxBitrate: 32000 } });
  }

  function state() {
    const conn = {};
    for (const k of Object.keys(pcs)) conn[k] = pcs[k].connectionState;
    for (const k of Object.keys(rooms)) conn[k] = rooms[k].state === 'connected' ? 'connected' : rooms[k].state;
    return { conn, seen: { ...seen }, maxLevel: { ...maxLevel }, ctxState: ctx.state };
  }

  /** Starts (clearing what was collected) or stops collecting onsets. */
  function record(on) {
    if (on) for (const l of labels) { onsets[l] = []; peaks[l] = []; }
    recording = on;
  }

  /** Receive-side jitter buffer totals (inbound-rtp) per path, to split the latency up. */
  async function jitter() {
    const out = {};
    const sub = (room) => { const m = room && room.engine && room.engine.pcManager; return m && (m.subscriber || m.publisher); };
    for (const [label, pc] of [['stage', pcs.stage || sub(rooms.stage)], ['audience', pcs.audience || sub(rooms.audience)], ['reference', pcs.refRecv]]) {
      if (!pc || !pc.getStats) continue;
      const stats = await pc.getStats().catch(() => null);
      if (!stats) continue;
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
    for (const room of Object.values(rooms)) await room.disconnect();
    await ctx.close();
  }

  return { init, offer, accept, answer, livekit, state, record, collected, jitter, close };
})();
`;

const PAGE_HTML = '<!doctype html><html><head><meta charset="utf-8"><title>latency bench</title></head><body><script src="/page.js"></script></body></html>';

/** A tiny HTTP server on 127.0.0.1 for the bench page (localhost is a secure context for getUserMedia). */
async function startPageServer(): Promise<{ url: string; server: Server }> {
  const files: Record<string, [string, string]> = {
    '/': ['text/html; charset=utf-8', PAGE_HTML],
    '/page.js': ['text/javascript; charset=utf-8', PAGE_JS],
    '/onset-worklet.js': ['text/javascript; charset=utf-8', WORKLET_JS],
    '/livekit-client.mjs': ['text/javascript; charset=utf-8', readFileSync(LIVEKIT_CLIENT_ESM, 'utf8')],
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

/** The negotiation part of PAGE_JS's `window.bench` (for typed page.evaluate calls). */
interface BenchApi {
  offer(kind: string): Promise<string>;
  accept(kind: string, sdp: string): Promise<void>;
  answer(kind: string, offer: string): Promise<string>;
  livekit(kind: string, url: string, token: string): Promise<void>;
}
interface PageState {
  conn: Record<string, RTCPeerConnectionState>;
  seen: Record<Label, number>;
  maxLevel: Record<Label, number>;
  ctxState: string;
}
type Collected = { onsets: Record<Label, number[]>; peaks: Record<Label, number[]>; sampleRate: number };
type JitterStats = Partial<Record<Path, { delay: number; count: number; lost: number; received: number }>>;

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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round1 = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);

/** One session's results for one path. */
interface SessionPath {
  latencies: number[];
  missed: number;
  /** Received onsets between the first and last sent click that match no sent click. */
  extra: number;
  peaks: number[];
  /** Mean jitter buffer delay of the receiving browser over the recording (inbound-rtp stats). */
  jitterBufferMs: number;
  packetsLost: number;
}
interface Session {
  sent: number;
  paths: Record<Path, SessionPath>;
}

/**
 * Puts a new Space on the air with the page's peer connections: a host account creates it and
 * joins the stage (it goes live), a second account is invited on stage and joins it, and an
 * anonymous guest listens. This is the only part of the bench that speaks the Space server's
 * signaling protocol. `tag` keeps account handles unique across sessions on one server.
 */
async function negotiate(page: Page, wsUrl: string, clients: SignalingClient[], tag: string, engine: Options['engine']): Promise<void> {
  const connect = async (): Promise<SignalingClient> => {
    const c = new SignalingClient(wsUrl, (u) => new WebSocket(u) as never);
    clients.push(c);
    await c.connect();
    return c;
  };
  const hostC = await connect();
  const stageC = await connect();
  const listenerC = await connect();
  const password = 'latency bench password';
  await hostC.request('auth.register', { handle: `bench_host_${tag}`, displayName: 'Host', password });
  await stageC.request('auth.register', { handle: `bench_spk_${tag}`, displayName: 'Speaker', password });
  const { space } = await hostC.request('space.create', { title: 'Latency bench' });
  const spaceId = space.id;
  await hostC.request('space.join', { spaceId });

  const viaLiveKit = async (kind: 'host' | 'stage' | 'audience', client: SignalingClient): Promise<void> => {
    const media = await client.request('media.connect', { spaceId, as: kind === 'audience' ? 'listen' : 'stage' });
    if (media.engine !== 'livekit') throw new Error('the server does not run LiveKit');
    const { url, token } = media.grant;
    await page.evaluate(({ k, u, t }) => (window as unknown as { bench: BenchApi }).bench.livekit(k, u, t), { k: kind, u: url, t: token });
  };
  const stageJoin = async (kind: 'host' | 'stage', client: SignalingClient): Promise<void> => {
    if (engine === 'livekit') return viaLiveKit(kind, client);
    const offer = await page.evaluate(({ k }) => (window as unknown as { bench: BenchApi }).bench.offer(k), { k: kind });
    const { sdp } = await client.request('stage.join', { spaceId, sdp: offer });
    await page.evaluate(({ k, s }) => (window as unknown as { bench: BenchApi }).bench.accept(k, s), { k: kind, s: sdp });
  };
  await stageJoin('host', hostC); // the Space goes live
  const { self } = await stageC.request('space.join', { spaceId });
  await hostC.request('invite.send', { spaceId, memberId: self.memberId });
  await stageC.request('invite.accept', { spaceId });
  await stageJoin('stage', stageC);

  // The listener: Janus' Streaming offer, the page's answer.
  await listenerC.request('space.join', { spaceId, displayName: 'Listener' });
  if (engine === 'livekit') return viaLiveKit('audience', listenerC);
  const { sdp: janusOffer } = await listenerC.request('listen.start', { spaceId });
  const answer = await page.evaluate(({ s }) => (window as unknown as { bench: BenchApi }).bench.answer('audience', s), { s: janusOffer });
  await listenerC.request('listen.answer', { spaceId, sdp: answer });
}

async function runSession(browser: Browser, pageUrl: string, wsUrl: string, tag: string, opts: Options, log: (m: string) => void): Promise<Session> {
  const context = await browser.newContext();
  const clients: SignalingClient[] = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    await page.goto(pageUrl);
    await page.evaluate(`window.bench.init(${JSON.stringify(opts.engine)})`);
    await negotiate(page, wsUrl, clients, tag, opts.engine);

    const state = (): Promise<PageState> => page.evaluate('window.bench.state()') as Promise<PageState>;
    const collected = (): Promise<Collected> => page.evaluate('window.bench.collected()') as Promise<Collected>;
    const jitter = (): Promise<JitterStats> => page.evaluate('window.bench.jitter()') as Promise<JitterStats>;
    await until('every peer connection to connect', 20_000, state, (s) => Object.keys(s.conn).length === 5 && Object.values(s.conn).every((v) => v === 'connected'));
    await until('clicks on every path (maxLevel shows what arrives)', 20_000, state, (s) => s.seen.host >= 2 && PATHS.every((p) => s.seen[p] >= 2));
    await sleep(opts.warmupMs); // jitter buffers settle

    // Record `clicks` sent clicks (one loop of the train), plus a tail for the last to arrive.
    const before = await jitter();
    await page.evaluate('window.bench.record(true)');
    await until(`${opts.clicks} sent clicks`, opts.clicks * opts.periodMs + 10_000, collected, (c) => c.onsets.host.length >= opts.clicks);
    await sleep(MATCH_WINDOW_MS + 200);
    await page.evaluate('window.bench.record(false)');
    const c = await collected();
    const after = await jitter();
    await page.evaluate('window.bench.close()');

    const ms = (frames: number[]): number[] => frames.map((f) => (f / c.sampleRate) * 1000);
    const sent = ms(c.onsets.host).slice(0, opts.clicks);
    const lastSent = sent[sent.length - 1]!;
    const path = (label: Path): SessionPath => {
      const received = ms(c.onsets[label]);
      const { latencies, missed, matchedIdx } = pairOnsets(sent, received);
      const a = after[label];
      const b = before[label];
      return {
        latencies,
        missed,
        extra: received.filter((r, i) => r > sent[0]! && r <= lastSent && !matchedIdx.has(i)).length,
        peaks: [...matchedIdx].map((i) => c.peaks[label][i]!),
        jitterBufferMs: a && b && a.count > b.count ? ((a.delay - b.delay) / (a.count - b.count)) * 1000 : NaN,
        packetsLost: a && b ? a.lost - b.lost : NaN,
      };
    };
    return { sent: sent.length, paths: { stage: path('stage'), audience: path('audience'), reference: path('reference') } };
  } finally {
    for (const cl of clients) cl.close();
    await context.close().catch(() => undefined);
  }
}

interface PathSummary {
  samples: number;
  missed: number;
  extra: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
  /** p50 of each session: the spread between sessions. */
  sessionP50: number[];
  jitterBufferMs: number[];
  packetsLost: number;
  peakMedian: number;
}

function summarize(sessions: Session[], label: Path): PathSummary {
  const ps = sessions.map((s) => s.paths[label]);
  const all = ps.flatMap((p) => p.latencies);
  return {
    samples: all.length,
    missed: ps.reduce((n, p) => n + p.missed, 0),
    extra: ps.reduce((n, p) => n + p.extra, 0),
    p50: percentile(all, 50),
    p95: percentile(all, 95),
    min: all.length ? Math.min(...all) : NaN,
    max: all.length ? Math.max(...all) : NaN,
    sessionP50: ps.map((p) => percentile(p.latencies, 50)),
    jitterBufferMs: ps.map((p) => p.jitterBufferMs),
    packetsLost: ps.reduce((n, p) => n + p.packetsLost, 0),
    peakMedian: percentile(ps.flatMap((p) => p.peaks), 50),
  };
}

export async function run(args: string[]): Promise<number> {
  let opts: Options;
  try {
    opts = parseArgs(args);
  } catch (err) {
    process.stderr.write(`latency: ${(err as Error).message}\n`);
    return 2;
  }
  requireNetns();
  const log = (msg: string): void => void process.stderr.write(`[latency] ${msg}\n`);
  const load = loadavg()[0]!;

  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let pageServer: Server | undefined;
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
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

  const sessions: Session[] = [];
  const dir = tempDir('bench-latency'); // the click train and the server's data (Janus config, logs, SQLite)
  try {
    const wav = makeClickTrain(dir, opts.clicks, opts.periodMs);
    log(`click train: ${opts.clicks} clicks, ${opts.periodMs} ms apart (${wav}); load average ${load.toFixed(2)} on ${cpus().length} cores`);
    server = await startTestServer({ prebuffer: opts.prebuffer, dataDir: join(dir, 'server'), ...(opts.engine === 'livekit' ? livekitConfig(7960) : {}) });
    log(
      opts.engine === 'livekit'
        ? `Space server ${server.url}, livekit-server pid ${server.livekit?.supervisor?.pid}`
        : `Space server ${server.url}, Janus pid ${server.janus?.pid}, AudioBridge prebuffer ${opts.prebuffer} packets`,
    );
    const pages = await startPageServer();
    pageServer = pages.server;
    browser = await launchChromium({ micWav: wav, loop: true });
    const wsUrl = server.url.replace(/^http/, 'ws') + '/ws';
    for (let i = 1; i <= opts.sessions; i++) {
      const s = await runSession(browser, pages.url, wsUrl, String(i), opts, log);
      sessions.push(s);
      const p50 = (p: Path): string => `${p} ${percentile(s.paths[p].latencies, 50).toFixed(1)} ms (${s.paths[p].latencies.length}/${s.sent})`;
      log(`session ${i}/${opts.sessions}: p50 ${PATHS.map(p50).join(', ')}`);
    }
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(dir, { recursive: true, force: true });
  }

  const sent = sessions.reduce((n, s) => n + s.sent, 0);
  const stage = summarize(sessions, 'stage');
  const audience = summarize(sessions, 'audience');
  const reference = summarize(sessions, 'reference');
  const met = { stage: stage.p50 <= TARGETS.stage_p50_ms, audience: audience.p50 <= TARGETS.audience_p50_ms };
  // Every session must pair nearly all its clicks on the measured paths, or the figures mean little.
  const enough = (['stage', 'audience'] as const).every((p) => sessions.every((s) => s.paths[p].latencies.length >= s.sent - 2));

  if (opts.json) {
    const extras = (name: Path, r: PathSummary): Record<string, unknown> => ({
      [`${name}_samples`]: r.samples,
      [`${name}_missed`]: r.missed,
      [`${name}_min_ms`]: round1(r.min),
      [`${name}_max_ms`]: round1(r.max),
      [`${name}_session_p50_ms`]: r.sessionP50.map(round1),
      [`${name}_jitter_buffer_ms`]: r.jitterBufferMs.map(round1),
      [`${name}_packets_lost`]: r.packetsLost,
    });
    const out = {
      stage_p50_ms: round1(stage.p50),
      stage_p95_ms: round1(stage.p95),
      audience_p50_ms: round1(audience.p50),
      audience_p95_ms: round1(audience.p95),
      samples: sent,
      ...extras('stage', stage),
      ...extras('audience', audience),
      reference_p50_ms: round1(reference.p50),
      reference_p95_ms: round1(reference.p95),
      ...extras('reference', reference),
      sessions: opts.sessions,
      clicks_per_session: opts.clicks,
      click_period_ms: opts.periodMs,
      prebuffer: opts.prebuffer,
      engine: opts.engine,
      load_average: Math.round(load * 100) / 100,
      cores: cpus().length,
      targets: { ...TARGETS, stage_met: met.stage, audience_met: met.audience },
    };
    process.stdout.write(JSON.stringify(out) + '\n');
  } else {
    const f = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a').padStart(10);
    const list = (xs: number[]): string => xs.map((x) => (Number.isFinite(x) ? x.toFixed(0) : '-')).join('/');
    const row = (name: string, r: PathSummary, target: string): string =>
      `${name.padEnd(42)}${f(r.p50)}${f(r.p95)}${f(r.min)}${f(r.max)}${`${r.samples}/${sent}`.padStart(9)}   ${list(r.sessionP50).padEnd(16)}${list(r.jitterBufferMs).padEnd(12)}${target}`;
    const lines = [
      `Mouth-to-ear latency (${opts.engine}): ${opts.sessions} sessions x ${opts.clicks} clicks ${opts.periodMs} ms apart; ${opts.engine === 'livekit' ? 'LiveKit SFU' : `AudioBridge prebuffer ${opts.prebuffer} packets (x 20 ms)`}; load ${load.toFixed(2)} on ${cpus().length} cores`,
      '',
      `${'path'.padEnd(42)}${'p50'.padStart(10)}${'p95'.padStart(10)}${'min'.padStart(10)}${'max'.padStart(10)}${'clicks'.padStart(9)}   ${'session p50'.padEnd(16)}${'jbuf'.padEnd(12)}target`,
      row(opts.engine === 'livekit' ? 'stage     host -> LiveKit SFU -> speaker' : 'stage     host -> AudioBridge -> speaker', stage, `p50 <= ${TARGETS.stage_p50_ms} ms: ${met.stage ? 'met' : 'MISSED'}`),
      row(opts.engine === 'livekit' ? 'audience  host -> LiveKit SFU -> listener' : 'audience  host -> ... Streaming -> listener', audience, `p50 <= ${TARGETS.audience_p50_ms} ms: ${met.audience ? 'met' : 'MISSED'}`),
      row('reference host -> peer, no server', reference, '(browser-only baseline)'),
      '',
      "session p50: each session's median (ms); jbuf: mean jitter buffer delay of the receiving browser per session (ms, getStats).",
      `received click peak (median |x|): stage ${stage.peakMedian.toFixed(2)}, audience ${audience.peakMedian.toFixed(2)}, reference ${reference.peakMedian.toFixed(2)}; ` +
        `missed/false onsets: ${stage.missed}/${stage.extra}, ${audience.missed}/${audience.extra}, ${reference.missed}/${reference.extra}; ` +
        `packets lost: ${stage.packetsLost}/${audience.packetsLost}/${reference.packetsLost}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (Math.max(stage.max, audience.max) > opts.periodMs - REFRACTORY_MS) {
    log(`latency comes close to the click period (${opts.periodMs} ms): pairs may be ambiguous; rerun with a larger --period-ms`);
  }
  if (!enough) {
    log('too few clicks paired in some session (see missed counts): the measurement is not valid');
    return 1;
  }
  return 0;
}
