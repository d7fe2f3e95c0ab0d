import type { WebSocket } from 'ws';
import { CLOSE_CODES, MAX_SPACES_PER_CONNECTION, type ServerMessage } from '../shared/signaling.js';
import type { Notifier, SpaceSnapshot } from './spaces/notifier.js';
import { newParticipant, type Participant } from './spaces/participant.js';

export interface Connection {
  ws: WebSocket;
  participant: Participant;
  /** Spaces whose events this connection receives (read-only: change it with `follow`). */
  readonly spaces: Set<string>;
  /** Starts receiving a Space's events (for feature handlers: schedule pages, captions). */
  follow(spaceId: string): void;
  alive: boolean;
  /** Snapshots held back while the socket is behind, by key; a newer one replaces an older one. */
  pending: Map<string, Buffer>;
  /** Since when the socket has been behind (null: it is keeping up). */
  behindSince: number | null;
  closing: boolean;
}

export interface BackpressureLimits {
  /** Above this many bytes waiting in the server for a socket, snapshots wait and droppable events are dropped. */
  softBytes: number;
  /** Above this the socket is closed at once (only replies and must-deliver events get past `softBytes`). */
  hardBytes: number;
  /** A socket behind for longer than this is closed. */
  behindMs: number;
}

export const DEFAULT_BACKPRESSURE: BackpressureLimits = { softBytes: 256 * 1024, hardBytes: 2 * 1024 * 1024, behindMs: 15_000 };

/** After the close frame is queued, a socket that still does not read is cut. */
const CLOSE_GRACE_MS = 5000;
const DRAIN_CHECK_MS = 200;

/**
 * Every open client connection and what it follows, and the one way messages reach them
 * (issue 11). A Space's snapshot is serialized once and shared; a connection only chooses
 * which text to send. Backpressure: a socket that is behind keeps at most one pending snapshot
 * per kind (stale ones are replaced), loses droppable events (reactions, speaking dots), and is
 * closed with `CLOSE_CODES.slowConsumer` when it stays behind or its buffer passes a hard limit,
 * so memory per client stays bounded whatever it does.
 */
export class ClientHub implements Notifier {
  private readonly connections = new Set<Connection>();
  private readonly byParticipant = new Map<Participant, Connection>();
  private readonly bySpace = new Map<string, Set<Connection>>();
  private readonly behind = new Set<Connection>();
  private drainTimer?: NodeJS.Timeout;
  /** Connections closed for not reading (operators, tests). */
  slowClosed = 0;

  constructor(
    private readonly limits: BackpressureLimits = DEFAULT_BACKPRESSURE,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.connections.size;
  }

  all(): Iterable<Connection> {
    return this.connections;
  }

  add(ws: WebSocket): Connection {
    const c: Connection = {
      ws,
      participant: newParticipant(),
      spaces: new Set(),
      follow: (spaceId) => this.subscribe(c, spaceId),
      alive: true,
      pending: new Map(),
      behindSince: null,
      closing: false,
    };
    this.connections.add(c);
    this.byParticipant.set(c.participant, c);
    return c;
  }

  remove(c: Connection): void {
    this.connections.delete(c);
    this.byParticipant.delete(c.participant);
    this.behind.delete(c);
    for (const spaceId of c.spaces) this.unsubscribe(c, spaceId);
  }

  /** Follows a Space; past the limit the connection stops following the Space it followed first. */
  subscribe(c: Connection, spaceId: string): void {
    if (c.spaces.has(spaceId)) return;
    if (c.spaces.size >= MAX_SPACES_PER_CONNECTION) {
      const oldest = c.spaces.values().next().value!;
      c.spaces.delete(oldest);
      this.unsubscribe(c, oldest);
      c.pending.delete(`u:${oldest}`);
      c.pending.delete(`r:${oldest}`);
    }
    c.spaces.add(spaceId);
    let set = this.bySpace.get(spaceId);
    if (!set) this.bySpace.set(spaceId, (set = new Set()));
    set.add(c);
  }

  private unsubscribe(c: Connection, spaceId: string): void {
    const set = this.bySpace.get(spaceId);
    set?.delete(c);
    if (set?.size === 0) this.bySpace.delete(spaceId);
  }

  close(): void {
    clearTimeout(this.drainTimer);
    for (const c of this.connections) c.ws.terminate();
  }

  // ---- Notifier ----

  subscribers(spaceId: string): number {
    return this.bySpace.get(spaceId)?.size ?? 0;
  }

  toSpace(spaceId: string, event: ServerMessage, opts: { droppable?: boolean } = {}): void {
    const set = this.bySpace.get(spaceId);
    if (!set) return;
    const data = Buffer.from(JSON.stringify(event));
    for (const c of set) this.deliver(c, data, opts.droppable ? 'droppable' : 'event');
  }

  toParticipant(p: Participant, event: ServerMessage): void {
    const c = this.byParticipant.get(p);
    if (c) this.send(c, event);
  }

  snapshot(s: SpaceSnapshot): void {
    const set = this.bySpace.get(s.spaceId);
    if (!set) return;
    const update = Buffer.from(s.update);
    const publicRoster = s.publicRoster === null ? null : Buffer.from(s.publicRoster);
    const moderatorRoster = s.moderatorRoster === null ? null : Buffer.from(s.moderatorRoster);
    for (const c of set) {
      this.deliver(c, update, 'snapshot', `u:${s.spaceId}`);
      const roster = moderatorRoster && s.isModerator(c.participant) ? moderatorRoster : publicRoster;
      if (roster) this.deliver(c, roster, 'snapshot', `r:${s.spaceId}`);
    }
  }

  /** A reply or an event this connection must get (it still counts against the hard limit). */
  send(c: Connection, message: ServerMessage): void {
    this.deliver(c, Buffer.from(JSON.stringify(message)), 'event');
  }

  // ---- backpressure ----

  private deliver(c: Connection, data: Buffer, kind: 'event' | 'droppable' | 'snapshot', key = ''): void {
    if (c.closing || c.ws.readyState !== c.ws.OPEN) return;
    const buffered = c.ws.bufferedAmount;
    if (buffered > this.limits.hardBytes) return this.cut(c, `your connection fell ${Math.round(buffered / 1024)} KiB behind`);
    if (buffered > this.limits.softBytes && kind !== 'event') {
      if (kind === 'snapshot') c.pending.set(key, data);
      this.markBehind(c);
      return;
    }
    c.ws.send(data, { binary: false });
  }

  private markBehind(c: Connection): void {
    c.behindSince ??= this.now();
    this.behind.add(c);
    this.drainTimer ??= setTimeout(() => this.drain(), DRAIN_CHECK_MS);
  }

  private drain(): void {
    this.drainTimer = undefined;
    for (const c of this.behind) {
      if (c.closing || c.ws.readyState !== c.ws.OPEN) {
        this.behind.delete(c);
        continue;
      }
      if (c.ws.bufferedAmount <= this.limits.softBytes) {
        const pending = [...c.pending.values()];
        c.pending.clear();
        c.behindSince = null;
        this.behind.delete(c);
        for (const data of pending) c.ws.send(data, { binary: false });
      } else if (this.now() - (c.behindSince ?? 0) > this.limits.behindMs) {
        this.cut(c, `your connection was behind for more than ${Math.round(this.limits.behindMs / 1000)} s`);
      }
    }
    if (this.behind.size) this.drainTimer = setTimeout(() => this.drain(), DRAIN_CHECK_MS);
  }

  /** Closes a socket that does not read: a typed close code, then a hard cut if even that is not read. */
  private cut(c: Connection, why: string): void {
    if (c.closing) return;
    c.closing = true;
    c.pending.clear();
    this.behind.delete(c);
    this.slowClosed++;
    c.ws.close(CLOSE_CODES.slowConsumer, `slow_consumer: ${why}`.slice(0, 120));
    setTimeout(() => c.ws.terminate(), CLOSE_GRACE_MS).unref();
  }
}
