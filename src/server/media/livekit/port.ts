import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AccessToken, RoomServiceClient, TrackSource, type ParticipantPermission, type WebhookEvent } from 'livekit-server-sdk';
import { AppError } from '../../../shared/errors.js';
import type { MediaGrant } from '../../../shared/mediaEngine.js';
import type { ListenPeer, MediaEvents, MediaPort, NodeStatus, ProgramTap, StagePeer } from '../port.js';
import { RoomObserver } from './observer.js';
import { ProgramMix } from './programMix.js';

/** One LiveKit server the Space server can use (its own, or an external one / cluster entry point). */
export interface LiveKitNode {
  id: string;
  /** Its HTTP API (RoomService). */
  httpUrl: string;
  /** What clients connect to (ws:// or wss://). */
  wsUrl: string;
}

export interface LiveKitMediaOptions {
  nodes: LiveKitNode[];
  apiKey: string;
  apiSecret: string;
  /** How long a fresh access token may be used to connect (LiveKit refuses it afterwards). */
  tokenTtlSeconds: number;
  /** Listeners counted against one node before `audience_full` (LiveKit has no per-node cap of its own). */
  cap: number;
  /** How often each node's health is checked. */
  healthMs?: number;
  /** Room name of a Space: a prefix keeps several Space servers apart on one LiveKit. */
  roomPrefix?: string;
}

/** Identity of the server's own participant in each room (speaking indicators, recording). */
export const OBSERVER_IDENTITY = 'spaces-server';

type Kind = 'stage' | 'listen';

/** One grant = one client connection (one LiveKit participant identity). */
class LiveKitPeer {
  muted = false;
  speaking = false;
  /** Numeric id for per-speaker track names (`participant` events, as AudioBridge ids on Janus). */
  numericId = 0;
  /** LiveKit reported the participant in the room (webhook `participant_joined`). */
  joined = false;
  constructor(
    readonly port: LiveKitMedia,
    readonly kind: Kind,
    readonly key: number,
    readonly identity: string,
    readonly node: string,
  ) {}
}

class LiveKitStagePeer extends LiveKitPeer implements StagePeer {
  declare readonly kind: 'stage';
  setMuted(muted: boolean): Promise<void> {
    return this.port.setMuted(this, muted);
  }
  close(): Promise<void> {
    return this.port.release(this);
  }
}

class LiveKitListenPeer extends LiveKitPeer implements ListenPeer {
  declare readonly kind: 'listen';
  async answer(): Promise<void> {
    throw new AppError('invalid_state', 'this server uses LiveKit: the client connects with its grant, there is no answer to send');
  }
  close(): Promise<void> {
    return this.port.release(this);
  }
}

const stagePermission = (muted: boolean): Partial<ParticipantPermission> => ({
  canSubscribe: true,
  canPublish: !muted,
  canPublishData: false,
  canPublishSources: [TrackSource.MICROPHONE],
  hidden: false,
});

/**
 * The LiveKit media engine behind the media seam (issue 20). A Space's stage is one LiveKit room
 * (`space-<key>`); every stage member and listener connects to it with a short-lived access token
 * this class mints, whose grants follow the role: stage members may publish their microphone only;
 * listeners subscribe only and are hidden. The API secret stays here.
 *
 * Enforcement is the media server's, not the client's:
 * - mute revokes `canPublish` (LiveKit unpublishes the track; whatever the client keeps sending
 *   reaches nobody); unmute grants it back and the client publishes again;
 * - closing a peer (moved to the audience, removed, left) removes that participant from the room,
 *   and its identity is no longer honoured: a client that comes back with the old token before it
 *   expires is removed again as soon as LiveKit reports it (webhook), and after `tokenTtlSeconds`
 *   LiveKit refuses the token itself. Every grant names a fresh identity, so nothing legitimate
 *   ever reuses one.
 *
 * Speaking indicators come from LiveKit's active-speaker updates, received by the server's own
 * hidden participant in each room (`RoomObserver`).
 */
export class LiveKitMedia extends EventEmitter<MediaEvents> implements MediaPort {
  readonly engine = 'livekit' as const;
  readonly tapFormat = 'l16' as const;
  private readonly peers = new Map<string, LiveKitPeer>();
  private readonly stages = new Map<number, { node: LiveKitNode; observer: RoomObserver; mix: ProgramMix }>();
  /** Per-speaker recording folder per stage (multitrack), kept across stage re-creation. */
  private readonly recordDirs = new Map<number, string>();
  private nextNumericId = 1;
  /** Program taps per stage, kept across stage re-creation. */
  private readonly taps = new Map<number, Map<string, ProgramTap>>();
  /** Stages the Space service wants open (re-made after a node loss until closed). */
  private readonly wanted = new Set<number>();
  private readonly up = new Map<string, boolean>();
  private readonly api = new Map<string, RoomServiceClient>();
  private healthTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: LiveKitMediaOptions) {
    super();
    for (const n of options.nodes) {
      this.up.set(n.id, false);
      this.api.set(n.id, new RoomServiceClient(n.httpUrl, options.apiKey, options.apiSecret));
    }
  }

  roomName(key: number): string {
    return `${this.options.roomPrefix ?? 'space-'}${key}`;
  }

  /** Waits until a node answers, then watches every node's health. */
  async start(timeoutMs = 20_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!(await this.checkHealth()).some((u) => u)) {
      if (Date.now() > until) throw new Error(`no LiveKit server answered (${this.options.nodes.map((n) => n.httpUrl).join(', ')})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const tick = (): void => {
      if (this.stopped) return;
      void this.checkHealth().finally(() => {
        if (!this.stopped) this.healthTimer = setTimeout(tick, this.options.healthMs ?? 250);
      });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.healthTimer);
    for (const st of this.stages.values()) {
      st.observer.close();
      st.mix.close();
    }
    this.stages.clear();
  }

  async openStage(key: number): Promise<void> {
    this.wanted.add(key);
    const existing = this.stages.get(key);
    if (existing && this.up.get(existing.node.id)) return;
    const node = this.liveNode();
    await this.call(node, (api) => api.createRoom({ name: this.roomName(key), emptyTimeout: 300, departureTimeout: 20 }));
    if (this.stages.get(key) === existing) {
      existing?.observer.close();
      existing?.mix.close();
      const mix = new ProgramMix();
      for (const tap of this.taps.get(key)?.values() ?? []) mix.addTap(tap);
      mix.setRecording(this.recordDirs.get(key) ?? null);
      const observer = new RoomObserver(
        node.wsUrl,
        () => this.token(OBSERVER_IDENTITY, key, { hidden: true, canSubscribe: true, canPublish: false }),
        (identities) => this.onSpeakers(key, identities),
        (sid, track, identity) => (track ? mix.addTrack(sid, track, `lk-user-${this.peers.get(identity)?.numericId ?? 0}`) : mix.removeTrack(sid)),
        () => void this.observerFailed(key),
      );
      this.stages.set(key, { node, observer, mix });
      observer.start();
    }
  }

  async closeStage(key: number): Promise<void> {
    this.wanted.delete(key);
    const st = this.stages.get(key);
    this.stages.delete(key);
    this.taps.delete(key);
    this.recordDirs.delete(key);
    st?.observer.close();
    st?.mix.close();
    for (const p of [...this.peers.values()]) if (p.key === key) this.peers.delete(p.identity);
    await this.call(st?.node ?? this.liveNode(), (api) => api.deleteRoom(this.roomName(key))).catch(() => undefined);
  }

  async joinStage(): Promise<never> {
    throw new AppError('invalid_state', 'this server uses LiveKit: ask for a grant with media.connect');
  }

  async listen(): Promise<never> {
    throw new AppError('invalid_state', 'this server uses LiveKit: ask for a grant with media.connect');
  }

  async stageGrant(key: number, display: string, muted: boolean): Promise<{ grant: MediaGrant; peer: StagePeer }> {
    const st = this.requireStage(key);
    const peer = new LiveKitStagePeer(this, 'stage', key, this.newIdentity('s'), st.node.id);
    peer.muted = muted;
    peer.numericId = this.nextNumericId++;
    this.peers.set(peer.identity, peer);
    this.emit('participant', { key, id: peer.numericId, display });
    const token = await this.token(peer.identity, key, { ...stagePermission(muted), name: display });
    return { grant: { url: st.node.wsUrl, token, identity: peer.identity }, peer };
  }

  async listenGrant(key: number): Promise<{ grant: MediaGrant; peer: ListenPeer }> {
    const st = this.requireStage(key);
    const listeners = [...this.peers.values()].filter((p) => p.kind === 'listen' && p.node === st.node.id).length;
    if (listeners >= this.options.cap) throw new AppError('audience_full', 'the media server is full: the HLS stream is open to everyone');
    const peer = new LiveKitListenPeer(this, 'listen', key, this.newIdentity('l'), st.node.id);
    this.peers.set(peer.identity, peer);
    const token = await this.token(peer.identity, key, { canSubscribe: true, canPublish: false, canPublishData: false, hidden: true });
    return { grant: { url: st.node.wsUrl, token, identity: peer.identity }, peer };
  }

  /** The program mix (every speaker, summed by the server's participant) as RTP L16 to `tap`. */
  async addTap(key: number, tap: ProgramTap): Promise<void> {
    let taps = this.taps.get(key);
    if (!taps) this.taps.set(key, (taps = new Map()));
    taps.set(tap.id, tap);
    this.stages.get(key)?.mix.addTap(tap);
  }

  async removeTap(key: number, tapId: string): Promise<void> {
    this.taps.get(key)?.delete(tapId);
    this.stages.get(key)?.mix.removeTap(tapId);
  }

  /** Each speaker's own track as a WAV in `dir` (written by the server's participant), or off. */
  async setParticipantRecording(key: number, dir: string | null): Promise<void> {
    if (dir) this.recordDirs.set(key, dir);
    else this.recordDirs.delete(key);
    this.stages.get(key)?.mix.setRecording(dir);
  }

  /** Listeners per Space and node (metrics). */
  audiences(): { key: number; node: string; listeners: number }[] {
    const count = new Map<string, { key: number; node: string; listeners: number }>();
    for (const p of this.peers.values()) {
      if (p.kind !== 'listen') continue;
      const k = `${p.key}/${p.node}`;
      const a = count.get(k) ?? { key: p.key, node: p.node, listeners: 0 };
      a.listeners++;
      count.set(k, a);
    }
    return [...count.values()];
  }

  /** Some LiveKit node answers. */
  get isUp(): boolean {
    return [...this.up.values()].some(Boolean);
  }

  nodes(): NodeStatus[] {
    return this.options.nodes.map((n) => ({
      id: n.id,
      up: this.up.get(n.id) ?? false,
      listeners: [...this.peers.values()].filter((p) => p.kind === 'listen' && p.node === n.id).length,
      cap: this.options.cap,
      stages: [...this.stages.values()].filter((s) => s.node.id === n.id).length,
    }));
  }

  /** Server-enforced mute: without `canPublish` LiveKit unpublishes the track and refuses a new one. */
  async setMuted(peer: LiveKitPeer, muted: boolean): Promise<void> {
    peer.muted = muted;
    if (!this.peers.has(peer.identity)) return;
    await this.updatePermission(peer).catch((err: unknown) => {
      // Not connected yet: the permission is applied when LiveKit reports them joined.
      if (peer.joined) throw err;
    });
  }

  /** The connection ends: the participant is removed and its identity (and token) no longer honoured. */
  async release(peer: LiveKitPeer): Promise<void> {
    if (this.peers.get(peer.identity) !== peer) return;
    this.peers.delete(peer.identity);
    const st = this.stages.get(peer.key);
    if (st) await this.call(st.node, (api) => api.removeParticipant(this.roomName(peer.key), peer.identity)).catch(() => undefined);
  }

  /** LiveKit's webhooks (signed with our API key; verified by the receiver). */
  onWebhook(event: WebhookEvent): void {
    const identity = event.participant?.identity;
    const room = event.room?.name;
    if (!identity || !room || identity === OBSERVER_IDENTITY) return;
    const peer = this.peers.get(identity);
    if (event.event === 'participant_joined') {
      const key = Number(room.slice((this.options.roomPrefix ?? 'space-').length));
      if (!peer || this.roomName(peer.key) !== room) {
        // A token we no longer honour (removed, moved, left): out again at once.
        const st = this.stages.get(key);
        if (st) void this.call(st.node, (api) => api.removeParticipant(room, identity)).catch(() => undefined);
        return;
      }
      peer.joined = true;
      // Muted or unmuted while they were connecting: the token's grant may be stale.
      if (peer.kind === 'stage' && peer.muted !== !event.participant!.permission?.canPublish) void this.updatePermission(peer).catch(() => undefined);
    }
  }

  private updatePermission(peer: LiveKitPeer): Promise<unknown> {
    const st = this.stages.get(peer.key);
    if (!st) return Promise.resolve();
    return this.call(st.node, (api) => api.updateParticipant(this.roomName(peer.key), peer.identity, { permission: stagePermission(peer.muted) }));
  }

  private onSpeakers(key: number, identities: Set<string>): void {
    for (const p of this.peers.values()) {
      if (p.key !== key || p.kind !== 'stage') continue;
      const speaking = identities.has(p.identity);
      if (p.speaking === speaking) continue;
      p.speaking = speaking;
      this.emit('talk', { key, peer: p as LiveKitStagePeer, speaking });
    }
  }

  private requireStage(key: number): { node: LiveKitNode } {
    const st = this.stages.get(key);
    if (!st || !this.up.get(st.node.id)) throw new AppError('media_unavailable', 'the stage is not running: try again in a moment');
    return st;
  }

  private newIdentity(prefix: string): string {
    return `${prefix}-${randomBytes(9).toString('base64url')}`;
  }

  private async token(identity: string, key: number, grant: Partial<ParticipantPermission> & { name?: string }): Promise<string> {
    const at = new AccessToken(this.options.apiKey, this.options.apiSecret, { identity, name: grant.name, ttl: this.options.tokenTtlSeconds });
    at.addGrant({
      room: this.roomName(key),
      roomJoin: true,
      roomCreate: false,
      canSubscribe: grant.canSubscribe,
      canPublish: grant.canPublish,
      canPublishData: false,
      canPublishSources: grant.canPublish ? [TrackSource.MICROPHONE] : [],
      hidden: grant.hidden,
      canUpdateOwnMetadata: false,
    });
    return at.toJwt();
  }

  private liveNode(): LiveKitNode {
    const node = this.options.nodes.find((n) => this.up.get(n.id));
    if (!node) throw new AppError('media_unavailable', 'the media server is not running: try again in a moment');
    return node;
  }

  private async call<T>(node: LiveKitNode, fn: (api: RoomServiceClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.api.get(node.id)!);
    } catch (err) {
      throw new AppError('media_unavailable', `LiveKit refused: ${(err as Error).message}`);
    }
  }

  /** One health round; a node that comes back (restarted: its rooms are gone) gets its stages re-made. */
  private async checkHealth(): Promise<boolean[]> {
    return Promise.all(
      this.options.nodes.map(async (n) => {
        let ok = false;
        try {
          ok = (await fetch(n.httpUrl, { signal: AbortSignal.timeout(1000) })).ok;
        } catch {
          ok = false;
        }
        const was = this.up.get(n.id) ?? false;
        this.up.set(n.id, ok);
        if (was !== ok) {
          this.emit('node', this.nodes().find((x) => x.id === n.id)!);
          if (!ok) this.nodeLost(n);
        }
        return ok;
      }),
    );
  }

  /**
   * The supervisor saw our own livekit-server exit: it is down now, whatever the next health poll
   * says (it restarts within a moment, with no rooms: faster than a poll might notice).
   */
  nodeExited(nodeId: string): void {
    const node = this.options.nodes.find((n) => n.id === nodeId);
    if (!node || !this.up.get(nodeId)) return;
    this.up.set(nodeId, false);
    this.emit('node', this.nodes().find((x) => x.id === nodeId)!);
    this.nodeLost(node);
  }

  /** The server's participant could not get back into a stage's room: if LiveKit no longer has it, the stage is re-made. */
  private async observerFailed(key: number): Promise<void> {
    const st = this.stages.get(key);
    if (!st || !this.up.get(st.node.id)) return;
    const rooms = await this.call(st.node, (api) => api.listRooms([this.roomName(key)])).catch(() => null);
    if (!rooms || rooms.length > 0 || this.stages.get(key) !== st) return;
    this.stageLost(key, 'the media server lost the room');
  }

  private stageLost(key: number, reason: string): void {
    const st = this.stages.get(key);
    if (!st) return;
    st.observer.close();
    st.mix.close();
    this.stages.delete(key);
    const peers = [...this.peers.values()].filter((p) => p.key === key);
    for (const p of peers) this.peers.delete(p.identity);
    if (peers.length) this.emit('lost', { key, peers: peers as (LiveKitStagePeer | LiveKitListenPeer)[], reason });
    void this.reopen(key);
  }

  /**
   * A node went down: every connection to its rooms died with it. Those clients are told to
   * connect again (`lost`); the stages are re-made on a live node (or on it when it returns).
   */
  private nodeLost(node: LiveKitNode): void {
    for (const [key, st] of [...this.stages]) if (st.node.id === node.id) this.stageLost(key, 'the media server restarted');
  }

  private async reopen(key: number): Promise<void> {
    for (let i = 0; !this.stopped && this.wanted.has(key) && !this.stages.has(key); i++) {
      try {
        await this.openStage(key);
        const st = this.stages.get(key);
        if (st) this.emit('stageReset', { key, node: st.node.id });
        return;
      } catch {
        await new Promise((r) => setTimeout(r, Math.min(100 * (i + 1), 1000)));
      }
    }
  }
}
