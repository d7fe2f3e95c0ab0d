import { EventEmitter } from 'node:events';
import { AppError } from '../../shared/errors.js';
import type { JanusHandle, PluginEvent } from '../janus/client.js';
import { joinStage, setStageMuted, startStream, talkEvent, watchStream } from '../janus/plugins.js';
import { JanusNode, type JanusNodeOptions } from './janusNode.js';
import { selectListenerNode, selectStageNode } from './placement.js';
import type { ListenPeer, MediaEvents, MediaPort, NodeStatus, ProgramTap, StagePeer } from './port.js';

/** The server's own Janus; stages prefer it (it can also write per-participant recordings). */
export const LOCAL_NODE = 'local';

export interface PoolOptions {
  /** Per-join AudioBridge prebuffer in 20 ms packets: latency vs. robustness. */
  prebuffer: number;
  /** How long a node's mountpoint for a Space stays after its last listener left (no churn on quick rejoins). */
  audienceLingerMs: number;
  /** Streaming mountpoint helper threads (0 = Janus sends from the mountpoint's own thread). */
  mountpointThreads?: number;
}

/** One Space's audience on one node: a Streaming mountpoint fed by a forward of the stage mix. */
interface Audience {
  node: JanusNode;
  port: number;
  /** The AudioBridge forwarder on the stage's node that feeds this mountpoint (null while the stage is away). */
  forwardId: number | null;
  peers: Set<PoolListenPeer>;
  ready: Promise<void>;
  lingerTimer?: NodeJS.Timeout;
}

interface Stage {
  key: number;
  node: JanusNode | null;
  homedOnce: boolean;
  opening?: Promise<void>;
  closed: boolean;
  peers: Set<PoolStagePeer>;
  audiences: Map<string, Audience>;
  taps: Map<string, ProgramTap & { streamId: number | null }>;
  mjrsDir: string | null;
  /** Peers that died with a node, announced once the Space has media again (so clients can renegotiate at once). */
  lost: (StagePeer | ListenPeer)[];
  lostReason: string;
}

class PoolStagePeer implements StagePeer {
  readonly kind = 'stage';
  speaking = false;
  closed = false;
  constructor(
    readonly handle: JanusHandle,
    readonly node: string,
    readonly participantId: number | null,
    private readonly onClose: (p: PoolStagePeer) => void,
  ) {}
  async setMuted(muted: boolean): Promise<void> {
    await setStageMuted(this.handle, muted);
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    await this.handle.detach();
  }
}

class PoolListenPeer implements ListenPeer {
  readonly kind = 'listen';
  closed = false;
  constructor(
    readonly handle: JanusHandle,
    readonly node: string,
    private readonly onClose: (p: PoolListenPeer) => void,
  ) {}
  async answer(sdp: string): Promise<void> {
    await startStream(this.handle, sdp);
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    await this.handle.detach();
  }
}

/**
 * Media for every Space on a pool of Janus nodes (issue 11). A Space's stage is an AudioBridge room
 * on one node; each node that holds some of its listeners gets a Streaming mountpoint, created at
 * its first listener and removed a while after its last, fed by an RTP forward of the stage mix.
 * Listeners are placed by `selectListenerNode` (least filled, under each node's cap).
 *
 * When a node goes down, everything on it is gone: its listeners are announced `lost` (clients
 * renegotiate and are placed elsewhere) while listeners on other nodes keep playing; a stage that
 * lived there is re-created on another node (or on the same one when it returns), its forwards,
 * taps and recordings with it. Nodes can join and leave the pool at run time (`setEdges`).
 */
export class JanusMediaPool extends EventEmitter<MediaEvents> implements MediaPort {
  private readonly pool = new Map<string, JanusNode>();
  private readonly stages = new Map<number, Stage>();

  constructor(
    private readonly options: PoolOptions,
    nodes: JanusNodeOptions[],
  ) {
    super();
    for (const n of nodes) this.addNode(n);
  }

  /** Connects the pool; the server's own node must come up within `timeoutMs`, external ones keep retrying. */
  async start(timeoutMs: number): Promise<void> {
    const local = this.pool.get(LOCAL_NODE);
    const others = [...this.pool.values()].filter((n) => n !== local);
    for (const n of others) n.start(Math.min(timeoutMs, 3000)).catch(() => undefined);
    if (local) await local.start(timeoutMs);
    else await Promise.any(others.map((n) => n.start(timeoutMs))).catch(() => {
      throw new AppError('media_unavailable', 'no media node answered');
    });
  }

  stop(): void {
    for (const n of this.pool.values()) n.stop();
  }

  /** True when at least one node is up (health checks). */
  get isUp(): boolean {
    return [...this.pool.values()].some((n) => n.isUp);
  }

  nodes(): NodeStatus[] {
    return [...this.pool.values()].map((n) => ({ id: n.id, up: n.isUp, listeners: n.placed, cap: n.cap, stages: n.stages }));
  }

  /** WebRTC listeners by stage key and node (operator metrics). */
  audiences(): { key: number; node: string; listeners: number }[] {
    return [...this.stages.values()].flatMap((st) => [...st.audiences].map(([node, a]) => ({ key: st.key, node, listeners: a.peers.size })));
  }

  /**
   * Replaces the external nodes (all but the server's own) with `edges`: new ones join at once,
   * removed ones are drained (their listeners are placed elsewhere) and disconnected.
   */
  setEdges(edges: JanusNodeOptions[]): void {
    const wanted = new Map(edges.map((e) => [e.id, e]));
    for (const [id, node] of this.pool) {
      if (id === LOCAL_NODE || wanted.has(id)) continue;
      this.pool.delete(id);
      node.stop();
      this.onNodeDown(node, 'the media node was removed from the pool');
    }
    for (const e of edges) {
      if (this.pool.has(e.id)) continue;
      this.addNode(e).start(3000).catch(() => undefined);
    }
  }

  private addNode(o: JanusNodeOptions): JanusNode {
    const node = new JanusNode(o);
    this.pool.set(o.id, node);
    node.on('up', () => this.onNodeUp(node));
    node.on('down', (reason) => this.onNodeDown(node, reason));
    return node;
  }

  // ---- stages ----

  async openStage(key: number): Promise<void> {
    let st = this.stages.get(key);
    if (!st) {
      st = { key, node: null, homedOnce: false, closed: false, peers: new Set(), audiences: new Map(), taps: new Map(), mjrsDir: null, lost: [], lostReason: '' };
      this.stages.set(key, st);
    }
    if (st.node?.isUp) return;
    const stage = st;
    stage.opening ??= this.home(stage).finally(() => (stage.opening = undefined));
    await stage.opening;
  }

  async closeStage(key: number): Promise<void> {
    const st = this.stages.get(key);
    if (!st) return;
    st.closed = true;
    this.stages.delete(key);
    await st.opening?.catch(() => undefined);
    for (const p of [...st.peers]) await p.close();
    for (const a of st.audiences.values()) {
      clearTimeout(a.lingerTimer);
      for (const p of [...a.peers]) await p.close();
      await this.destroyMountpoint(key, a);
    }
    st.audiences.clear();
    const node = st.node;
    st.node = null;
    if (node?.isUp) {
      node.stages--;
      await node.require().audiobridge.destroy(key).catch(() => undefined);
    }
  }

  async joinStage(key: number, display: string, offer: string, muted: boolean): Promise<{ answer: string; peer: StagePeer }> {
    const st = this.requireStage(key);
    const node = st.node;
    if (!node?.isUp) throw new AppError('media_unavailable', 'the stage is moving to another media node; try again in a moment');
    const { handle, answer, participantId } = await joinStage(node.require().session, key, { display, muted, prebuffer: this.options.prebuffer, offer });
    const peer = new PoolStagePeer(handle, node.id, participantId, (p) => st.peers.delete(p));
    st.peers.add(peer);
    if (participantId !== null) this.emit('participant', { key, id: participantId, display });
    handle.on('event', (e: PluginEvent) => this.onStageEvent(st, e.data));
    return { answer, peer };
  }

  async listen(key: number): Promise<{ offer: string; peer: ListenPeer }> {
    const st = this.requireStage(key);
    const node = selectListenerNode([...this.pool.values()], new Set(st.audiences.keys()));
    if (!node) throw new AppError('audience_full', 'every media node is full; listen through the HLS stream');
    node.placed++; // reserved now, so that a burst of joins spreads before Janus answers
    let placed = false;
    try {
      const audience = await this.audienceOn(st, node);
      const { handle, offer } = await watchStream(node.require().session, key);
      const peer = new PoolListenPeer(handle, node.id, (p) => this.onListenerGone(st, audience, p));
      audience.peers.add(peer);
      placed = true;
      return { offer, peer };
    } finally {
      if (!placed) {
        node.placed = Math.max(0, node.placed - 1);
        const a = st.audiences.get(node.id);
        if (a && a.peers.size === 0) this.lingerThenRemove(st, a);
      }
    }
  }

  async addTap(key: number, tap: ProgramTap): Promise<void> {
    const st = this.requireStage(key);
    if (st.taps.has(tap.id)) throw new AppError('conflict', `a tap named ${tap.id} exists`);
    const entry = { ...tap, streamId: null as number | null };
    st.taps.set(tap.id, entry);
    if (st.node?.isUp) entry.streamId = await this.forward(st.node, key, tap.host, tap.port);
  }

  async removeTap(key: number, tapId: string): Promise<void> {
    const st = this.stages.get(key);
    const tap = st?.taps.get(tapId);
    if (!st || !tap) return;
    st.taps.delete(tapId);
    if (st.node?.isUp && tap.streamId !== null) await this.stopForward(st.node, key, tap.streamId);
  }

  async setParticipantRecording(key: number, dir: string | null): Promise<void> {
    const st = this.requireStage(key);
    st.mjrsDir = dir;
    if (st.node?.isUp) await this.applyRecording(st.node, st);
  }

  // ---- internals ----

  private requireStage(key: number): Stage {
    const st = this.stages.get(key);
    if (!st) throw new AppError('invalid_state', 'this Space has no stage yet');
    return st;
  }

  /** Puts the stage on a node: room, then the forwards to every audience, the taps and recordings. */
  private async home(st: Stage): Promise<void> {
    const node = selectStageNode([...this.pool.values()], LOCAL_NODE);
    if (!node) throw new AppError('media_unavailable', 'no media node is up; try again in a moment');
    const { audiobridge } = node.require();
    // A room left from an earlier server run (external nodes outlive us) is replaced, not reused.
    if (await audiobridge.exists(st.key)) await audiobridge.destroy(st.key);
    await audiobridge.create(st.key);
    if (st.closed) {
      await audiobridge.destroy(st.key).catch(() => undefined);
      return;
    }
    st.node = node;
    node.stages++;
    for (const a of st.audiences.values()) {
      if (a.node.isUp) a.forwardId = await this.forward(node, st.key, a.node.options.mediaAddress, a.port).catch(() => null);
    }
    for (const tap of st.taps.values()) tap.streamId = await this.forward(node, st.key, tap.host, tap.port).catch(() => null);
    if (st.mjrsDir) await this.applyRecording(node, st).catch(() => undefined);
    const moved = st.homedOnce;
    st.homedOnce = true;
    if (moved) this.emit('stageReset', { key: st.key, node: node.id });
    this.announceLost(st);
  }

  private async forward(stageNode: JanusNode, key: number, host: string, port: number): Promise<number> {
    return stageNode.require().audiobridge.forward(key, host, port);
  }

  private async stopForward(stageNode: JanusNode, key: number, streamId: number): Promise<void> {
    if (!stageNode.isUp) return;
    await stageNode.require().audiobridge.stopForward(key, streamId).catch(() => undefined);
  }

  private async applyRecording(node: JanusNode, st: Stage): Promise<void> {
    await node.require().audiobridge.recordParticipants(st.key, st.mjrsDir);
  }

  /** This Space's mountpoint on `node`, created (with its forward) at the node's first listener. */
  private async audienceOn(st: Stage, node: JanusNode): Promise<Audience> {
    const existing = st.audiences.get(node.id);
    if (existing) {
      clearTimeout(existing.lingerTimer);
      existing.lingerTimer = undefined;
      await existing.ready;
      return existing;
    }
    const port = node.takePort();
    const audience: Audience = { node, port, forwardId: null, peers: new Set(), ready: Promise.resolve() };
    st.audiences.set(node.id, audience);
    audience.ready = (async () => {
      const { streaming } = node.require();
      await streaming.destroy(st.key).catch(() => undefined);
      await streaming.create(st.key, port, node.options.mediaAddress, this.options.mountpointThreads);
      if (st.node?.isUp) audience.forwardId = await this.forward(st.node, st.key, node.options.mediaAddress, port);
    })();
    try {
      await audience.ready;
    } catch (err) {
      if (st.audiences.get(node.id) === audience) st.audiences.delete(node.id);
      node.releasePort(port);
      throw err;
    }
    return audience;
  }

  private onListenerGone(st: Stage, audience: Audience, peer: PoolListenPeer): void {
    if (!audience.peers.delete(peer)) return;
    audience.node.placed = Math.max(0, audience.node.placed - 1);
    if (audience.peers.size === 0) this.lingerThenRemove(st, audience);
  }

  private lingerThenRemove(st: Stage, audience: Audience): void {
    clearTimeout(audience.lingerTimer);
    audience.lingerTimer = setTimeout(() => {
      if (audience.peers.size > 0 || st.audiences.get(audience.node.id) !== audience) return;
      st.audiences.delete(audience.node.id);
      void this.destroyMountpoint(st.key, audience, st.node);
    }, this.options.audienceLingerMs);
    audience.lingerTimer.unref();
  }

  private async destroyMountpoint(key: number, a: Audience, stageNode: JanusNode | null = null): Promise<void> {
    if (stageNode && a.forwardId !== null) await this.stopForward(stageNode, key, a.forwardId);
    if (!a.node.isUp) return;
    await a.node.require().streaming.destroy(key).catch(() => undefined);
    a.node.releasePort(a.port);
  }

  private onStageEvent(st: Stage, data: Record<string, unknown>): void {
    const talk = talkEvent(data);
    if (!talk) return;
    const { speaking } = talk;
    for (const peer of st.peers) {
      if (peer.participantId !== talk.participantId) continue;
      if (peer.speaking === speaking) return;
      peer.speaking = speaking;
      this.emit('talk', { key: st.key, peer, speaking });
      return;
    }
  }

  private onNodeDown(node: JanusNode, reason: string): void {
    for (const st of this.stages.values()) {
      const audience = st.audiences.get(node.id);
      if (audience) {
        clearTimeout(audience.lingerTimer);
        st.audiences.delete(node.id);
        for (const p of audience.peers) p.closed = true;
        st.lost.push(...audience.peers);
        // The forward to a dead node's mountpoint is useless now.
        if (st.node && st.node !== node && audience.forwardId !== null) void this.stopForward(st.node, st.key, audience.forwardId);
      }
      if (st.node === node) {
        st.node = null;
        for (const p of st.peers) p.closed = true;
        st.lost.push(...st.peers);
        st.peers.clear();
        for (const a of st.audiences.values()) a.forwardId = null;
        for (const t of st.taps.values()) t.streamId = null;
        // Re-create it on another node now, or on this one when it is back (onNodeUp).
        if (!st.closed) this.openStage(st.key).catch(() => undefined);
      }
      if (st.lost.length) st.lostReason = `media node ${node.id} went away (${reason})`;
      this.announceLost(st);
    }
    this.emit('node', this.statusOf(node));
  }

  private onNodeUp(node: JanusNode): void {
    for (const st of this.stages.values()) if (!st.closed && !st.node) this.openStage(st.key).catch(() => undefined);
    this.emit('node', this.statusOf(node));
  }

  /** Tells the Space service which peers died, once the stage is up again (else they would retry into nothing). */
  private announceLost(st: Stage): void {
    if (!st.lost.length || !st.node?.isUp) return;
    const peers = st.lost;
    st.lost = [];
    this.emit('lost', { key: st.key, peers, reason: st.lostReason });
  }

  private statusOf(n: JanusNode): NodeStatus {
    return { id: n.id, up: n.isUp, listeners: n.placed, cap: n.cap, stages: n.stages };
  }
}
