import { EventEmitter } from 'node:events';
import { AppError } from '../../shared/errors.js';
import { selectListenerNode, selectStageNode } from './placement.js';
import type { ListenPeer, MediaEvents, MediaPort, NodeStatus, ProgramTap, StagePeer } from './port.js';

interface FakeNode {
  id: string;
  isUp: boolean;
  placed: number;
  cap: number;
  stages: number;
}

/**
 * A stand-in for the media pool, for unit tests of the Space service only (no Janus, no audio).
 * It places listeners with the real `placement.ts` rules, remembers what was asked, and lets a
 * test kill a node (`killNode`) or make someone talk (`talk`), emitting the same typed events.
 */
export class FakeMediaPort extends EventEmitter<MediaEvents> implements MediaPort {
  readonly nodeList: FakeNode[];
  readonly stages = new Map<number, { node: string; peers: Set<FakeStagePeer>; taps: Map<string, ProgramTap>; recording: string | null }>();
  readonly listenPeers = new Set<FakeListenPeer>();
  /** Every call, in order, for assertions like "no stage was opened". */
  readonly calls: string[] = [];

  constructor(nodes: { id: string; cap: number }[] = [{ id: 'local', cap: 1000 }]) {
    super();
    this.nodeList = nodes.map((n) => ({ ...n, isUp: true, placed: 0, stages: 0 }));
  }

  async openStage(key: number): Promise<void> {
    this.calls.push(`openStage ${key}`);
    const st = this.stages.get(key);
    if (st && this.node(st.node).isUp) return;
    const node = selectStageNode(this.nodeList, 'local');
    if (!node) throw new AppError('media_unavailable', 'no media node is up');
    node.stages++;
    this.stages.set(key, { node: node.id, peers: st?.peers ?? new Set(), taps: st?.taps ?? new Map(), recording: st?.recording ?? null });
  }

  async closeStage(key: number): Promise<void> {
    this.calls.push(`closeStage ${key}`);
    const st = this.stages.get(key);
    if (!st) return;
    this.stages.delete(key);
    this.node(st.node).stages--;
    for (const l of [...this.listenPeers]) if (l.key === key) await l.close();
  }

  async joinStage(key: number, display: string, _offer: string, muted: boolean): Promise<{ answer: string; peer: StagePeer }> {
    this.calls.push(`joinStage ${key} ${display}`);
    const st = this.stages.get(key);
    if (!st || !this.node(st.node).isUp) throw new AppError('media_unavailable', 'no stage');
    const peer = new FakeStagePeer(st.node, display, muted, () => st.peers.delete(peer));
    st.peers.add(peer);
    return { answer: `answer for ${display}`, peer };
  }

  async listen(key: number): Promise<{ offer: string; peer: ListenPeer }> {
    this.calls.push(`listen ${key}`);
    if (!this.stages.has(key)) throw new AppError('invalid_state', 'no stage');
    const carrying = new Set([...this.listenPeers].filter((l) => l.key === key).map((l) => l.node));
    const node = selectListenerNode(this.nodeList, carrying);
    if (!node) throw new AppError('audience_full', 'every media node is full');
    node.placed++;
    const peer = new FakeListenPeer(key, node.id, () => {
      this.listenPeers.delete(peer);
      node.placed--;
    });
    this.listenPeers.add(peer);
    return { offer: `offer from ${node.id}`, peer };
  }

  async addTap(key: number, tap: ProgramTap): Promise<void> {
    this.stages.get(key)?.taps.set(tap.id, tap);
  }

  async removeTap(key: number, tapId: string): Promise<void> {
    this.stages.get(key)?.taps.delete(tapId);
  }

  async setParticipantRecording(key: number, dir: string | null): Promise<void> {
    const st = this.stages.get(key);
    if (st) st.recording = dir;
  }

  nodes(): NodeStatus[] {
    return this.nodeList.map((n) => ({ id: n.id, up: n.isUp, listeners: n.placed, cap: n.cap, stages: n.stages }));
  }

  /** The node dies: its listeners (and the stage's speakers, if the stage was there) are lost. */
  killNode(id: string): void {
    const node = this.node(id);
    node.isUp = false;
    node.placed = 0;
    for (const [key, st] of this.stages) {
      const lost: (StagePeer | ListenPeer)[] = [...this.listenPeers].filter((l) => l.key === key && l.node === id);
      for (const l of lost) this.listenPeers.delete(l as FakeListenPeer);
      if (st.node === id) {
        lost.push(...st.peers);
        st.peers.clear();
        node.stages--;
        const next = selectStageNode(this.nodeList, 'local');
        if (next) {
          next.stages++;
          st.node = next.id;
          this.emit('stageReset', { key, node: next.id });
        }
      }
      if (lost.length) this.emit('lost', { key, peers: lost, reason: `media node ${id} went away` });
    }
  }

  talk(key: number, display: string, speaking: boolean): void {
    const peer = [...(this.stages.get(key)?.peers ?? [])].find((p) => p.display === display);
    if (peer) this.emit('talk', { key, peer, speaking });
  }

  private node(id: string): FakeNode {
    const n = this.nodeList.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }
}

export class FakeStagePeer implements StagePeer {
  readonly kind = 'stage';
  closed = false;
  constructor(
    readonly node: string,
    readonly display: string,
    public muted: boolean,
    private readonly onClose: () => void,
  ) {}
  async setMuted(muted: boolean): Promise<void> {
    this.muted = muted;
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}

export class FakeListenPeer implements ListenPeer {
  readonly kind = 'listen';
  answered: string | null = null;
  closed = false;
  constructor(
    readonly key: number,
    readonly node: string,
    private readonly onClose: () => void,
  ) {}
  async answer(sdp: string): Promise<void> {
    this.answered = sdp;
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}
