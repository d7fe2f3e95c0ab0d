/**
 * Child process of `npm run bench -- audience`: headless WebRTC listeners (werift) that join a
 * live Space through the server's public API exactly as the listener page does — `space.join`
 * as a guest, `listen.start` (Janus' offer, relayed by the server), a werift answer,
 * `listen.answer` — then count the RTP packets they receive (sequence numbers give the loss).
 * Driven by the parent over IPC; several of these processes can share the bots.
 */
import type { RTCPeerConnection } from 'werift';
import WebSocket from 'ws';
import { requests, type RequestParams, type RequestResult, type RequestType } from '../../src/shared/signaling.js';
import { benchPeer, gathered } from './weriftHost.js';

export interface NodeRange {
  name: string;
  /** Janus' rtp_port_range on that node: the offer's candidate port tells where a bot was placed. */
  lo: number;
  hi: number;
}

type Command =
  | { cmd: 'add'; url: string; spaceId: string; count: number; concurrency: number; nodes: NodeRange[]; firstAudioTimeoutMs: number }
  | { cmd: 'mark' }
  | { cmd: 'report' }
  | { cmd: 'close' };

export interface AddReport {
  added: number;
  failed: number;
  errors: string[];
  /** listen.start sent -> first RTP packet, per bot that heard audio. */
  joinMs: number[];
  /** Bots that got no audio within the timeout. */
  silent: number;
}

export interface WindowReport {
  bots: number;
  /** Packets received and expected (sequence-number span) since the last `mark`, all bots. */
  received: number;
  expected: number;
  perNode: Record<string, number>;
  /** Packets received since the mark by the bots on each node. */
  perNodeReceived: Record<string, number>;
  /** Bots whose peer connection is no longer connected. */
  disconnected: number;
  /** Time since the last `mark`. */
  windowMs: number;
  /** Sequence-number gaps since the mark (count, largest), and late or duplicate packets. */
  gaps: number;
  maxGap: number;
  late: number;
}

/** A request/reply client over a plain socket; pushed events are read and dropped (cheap). */
class LightClient {
  private nextId = 1;
  private readonly pending = new Map<string, { type: RequestType; resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const head = data.subarray(0, 40).toString('utf8');
      if (!head.startsWith('{"type":"reply"') && !head.startsWith('{"type":"error"')) return;
      const msg = JSON.parse(data.toString('utf8')) as { type: string; id: string; result?: unknown; error?: { code: string; message: string } };
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.type === 'error') p.reject(new Error(`${msg.error?.code}: ${msg.error?.message}`));
      else p.resolve(requests[p.type].result.parse(msg.result));
    });
    ws.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('socket closed'));
      this.pending.clear();
    });
  }
  static open(url: string): Promise<LightClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () => resolve(new LightClient(ws)));
      ws.once('error', reject);
    });
  }
  request<T extends RequestType>(type: T, params: RequestParams<T>, timeoutMs = 30_000): Promise<RequestResult<T>> {
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`timeout: ${type}`));
      }, timeoutMs);
      this.pending.set(id, {
        type,
        resolve: (v) => (clearTimeout(timer), resolve(v as RequestResult<T>)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.ws.send(JSON.stringify({ id, type, params }));
    });
  }
  close(): void {
    this.ws.terminate();
  }
}

interface Bot {
  client: LightClient;
  pc: RTCPeerConnection;
  node: string;
  received: number;
  /** Highest extended sequence number seen (-1 before the first packet). */
  maxSeq: number;
  markReceived: number;
  markMaxSeq: number;
  /** Since the mark: forward jumps of the sequence number (> 1), the largest, and late/duplicate packets. */
  gaps: number;
  maxGap: number;
  late: number;
}

const bots: Bot[] = [];
let nextName = 0;
let markedAt = performance.now();

/** Which node a Janus offer came from, by its host candidate's port. */
function nodeOf(offer: string, nodes: NodeRange[]): string {
  for (const m of offer.matchAll(/a=candidate:\S+ \d+ udp \d+ \S+ (\d+) typ host/gi)) {
    const port = Number(m[1]);
    const n = nodes.find((r) => port >= r.lo && port <= r.hi);
    if (n) return n.name;
  }
  return 'unknown';
}

async function addBot(c: Extract<Command, { cmd: 'add' }>): Promise<number | null> {
  const client = await LightClient.open(c.url);
  let pc: RTCPeerConnection | undefined;
  try {
    await client.request('space.join', { spaceId: c.spaceId, displayName: `Bot ${process.pid}-${nextName++}` });
    const t0 = performance.now();
    const { sdp: offer } = await client.request('listen.start', { spaceId: c.spaceId });
    pc = benchPeer(false);
    const bot: Bot = { client, pc, node: nodeOf(offer, c.nodes), received: 0, maxSeq: -1, markReceived: 0, markMaxSeq: -1, gaps: 0, maxGap: 0, late: 0 };
    let firstAt: number | undefined;
    let heard: () => void = () => undefined;
    const first = new Promise<void>((r) => (heard = r));
    pc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => {
        const seq = rtp.header.sequenceNumber;
        if (bot.maxSeq < 0) {
          bot.maxSeq = seq;
          firstAt = performance.now();
          heard();
        } else {
          // Extend the 16-bit sequence number around the current maximum.
          const cur = bot.maxSeq & 0xffff;
          let delta = seq - cur;
          if (delta < -32768) delta += 65536;
          else if (delta > 32768) delta -= 65536;
          if (delta > 0) bot.maxSeq += delta;
          else bot.late++;
          if (delta > 1) {
            bot.gaps++;
            bot.maxGap = Math.max(bot.maxGap, delta - 1);
          }
        }
        bot.received++;
      });
    });
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    await client.request('listen.answer', { spaceId: c.spaceId, sdp: pc.localDescription!.sdp });
    bots.push(bot);
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), c.firstAudioTimeoutMs));
    if ((await Promise.race([first, timeout])) === 'timeout') return null;
    return firstAt! - t0;
  } catch (err) {
    await pc?.close().catch(() => undefined);
    client.close();
    throw err;
  }
}

async function add(c: Extract<Command, { cmd: 'add' }>): Promise<AddReport> {
  const report: AddReport = { added: 0, failed: 0, errors: [], joinMs: [], silent: 0 };
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < c.count) {
      started++;
      try {
        const ms = await addBot(c);
        report.added++;
        if (ms === null) report.silent++;
        else report.joinMs.push(ms);
      } catch (err) {
        report.failed++;
        if (report.errors.length < 5) report.errors.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(c.concurrency, c.count) }, worker));
  return report;
}

function windowReport(): WindowReport {
  const r: WindowReport = { bots: bots.length, received: 0, expected: 0, perNode: {}, perNodeReceived: {}, disconnected: 0, windowMs: performance.now() - markedAt, gaps: 0, maxGap: 0, late: 0 };
  for (const b of bots) {
    r.perNode[b.node] = (r.perNode[b.node] ?? 0) + 1;
    if (b.pc.connectionState !== 'connected') r.disconnected++;
    r.gaps += b.gaps;
    r.maxGap = Math.max(r.maxGap, b.maxGap);
    r.late += b.late;
    if (b.markMaxSeq < 0 || b.maxSeq < 0) continue;
    r.received += b.received - b.markReceived;
    r.perNodeReceived[b.node] = (r.perNodeReceived[b.node] ?? 0) + b.received - b.markReceived;
    r.expected += b.maxSeq - b.markMaxSeq;
  }
  return r;
}

process.on('message', (m: Command) => {
  const reply = (x: unknown): void => void process.send?.(x);
  if (m.cmd === 'add') void add(m).then(reply);
  else if (m.cmd === 'mark') {
    markedAt = performance.now();
    for (const b of bots) {
      b.markReceived = b.received;
      b.markMaxSeq = b.maxSeq;
      b.gaps = b.maxGap = b.late = 0;
    }
    reply({ bots: bots.length });
  } else if (m.cmd === 'report') reply(windowReport());
  else if (m.cmd === 'close') {
    void Promise.all(bots.map((b) => b.pc.close().catch(() => undefined))).then(() => {
      for (const b of bots) b.client.close();
      reply({ closed: bots.length });
      setTimeout(() => process.exit(0), 100);
    });
  }
});
process.on('disconnect', () => process.exit(0));
