import { EventEmitter } from 'node:events';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../shared/errors.js';
import type { SpacePublic } from '../shared/space.js';
import { SpaceStore, toPublic, type SpaceRow } from './db.js';
import type { JanusMedia, MediaPeer } from './janus/media.js';

/** Who is on the other end of a signaling connection; the service keeps their media peers. */
export interface Participant {
  readonly id: string;
  /** media peers by Space id: at most one stage peer and one listener peer per Space */
  readonly stage: Map<string, MediaPeer>;
  readonly listening: Map<string, { peer: MediaPeer; answered: boolean }>;
}

export function newParticipant(): Participant {
  return { id: randomBytes(8).toString('hex'), stage: new Map(), listening: new Map() };
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function newSpaceId(): string {
  const bytes = randomBytes(10);
  return Array.from(bytes, (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The rules of a Space and its lifecycle: created (scheduled) -> live (host joins the stage)
 * -> ended. Every action is authorized here, whatever the client. Emits `updated` (SpacePublic)
 * and `reset` (spaceId, participant ids) when clients must renegotiate media.
 */
export class SpaceService extends EventEmitter {
  /** Space id -> participants holding a listener peer (for counts and resets). */
  private readonly audience = new Map<string, Set<Participant>>();
  private readonly stage = new Map<string, Set<Participant>>();
  private readonly usedPorts = new Map<string, number>();

  constructor(
    private readonly store: SpaceStore,
    private readonly media: JanusMedia,
    private readonly forwardPorts: [number, number],
    private readonly now: () => number = Date.now,
  ) {
    super();
    media.on('reset', (roomIds: number[]) => this.onMediaReset(roomIds));
  }

  /** Reopens the media of Spaces that were live when the server last stopped. */
  async restoreLive(): Promise<void> {
    for (const row of this.store.withState('live')) await this.ensureRoom(row);
  }

  create(title: string, hostName: string): { space: SpacePublic; hostToken: string } {
    const hostToken = randomBytes(32).toString('base64url');
    const row = this.store.insert({ id: newSpaceId(), title, hostName, hostTokenHash: hashToken(hostToken), now: this.now() });
    return { space: this.toPublic(row), hostToken };
  }

  get(spaceId: string): SpacePublic {
    return this.toPublic(this.row(spaceId));
  }

  /** The host joins the stage; the first join makes the Space live. */
  async joinStage(who: Participant, spaceId: string, hostToken: string, offer: string): Promise<{ sdp: string; space: SpacePublic }> {
    let row = this.authorizeHost(spaceId, hostToken);
    if (row.state === 'ended') throw new AppError('invalid_state', 'this Space has ended');
    await this.ensureRoom(row);
    await this.leaveStage(who, spaceId);
    const { answer, peer } = await this.media.joinStage(this.roomId(row), row.host_name, offer);
    who.stage.set(spaceId, peer);
    this.set(this.stage, spaceId).add(who);
    peer.handle.once('detached', () => this.dropStage(who, spaceId, peer));
    if (row.state !== 'live') {
      row = this.store.setState(spaceId, 'live', this.now());
      this.emitUpdated(row);
    }
    return { sdp: answer, space: this.toPublic(row) };
  }

  async end(spaceId: string, hostToken: string): Promise<SpacePublic> {
    const row = this.authorizeHost(spaceId, hostToken);
    if (row.state === 'ended') return this.toPublic(row);
    const ended = this.store.setState(spaceId, 'ended', this.now());
    for (const p of this.stage.get(spaceId) ?? []) await this.leaveStage(p, spaceId);
    for (const p of this.audience.get(spaceId) ?? []) await this.stopListening(p, spaceId);
    await this.media.closeRoom(this.roomId(ended)).catch(() => undefined);
    this.usedPorts.delete(spaceId);
    this.emitUpdated(ended);
    return this.toPublic(ended);
  }

  /** A listener asks for the audience stream of a Space that has not ended. */
  async startListening(who: Participant, spaceId: string): Promise<string> {
    const row = this.row(spaceId);
    if (row.state === 'ended') throw new AppError('invalid_state', 'this Space has ended');
    await this.ensureRoom(row);
    await this.stopListening(who, spaceId);
    const { offer, peer } = await this.media.watch(this.roomId(row));
    who.listening.set(spaceId, { peer, answered: false });
    peer.handle.once('detached', () => {
      if (who.listening.get(spaceId)?.peer === peer) {
        who.listening.delete(spaceId);
        this.audience.get(spaceId)?.delete(who);
      }
    });
    return offer;
  }

  async answerListening(who: Participant, spaceId: string, sdp: string): Promise<void> {
    const entry = who.listening.get(spaceId);
    if (!entry) throw new AppError('invalid_state', 'start listening before sending an answer');
    if (entry.answered) throw new AppError('invalid_state', 'already listening');
    await entry.peer.answer(sdp);
    entry.answered = true;
    this.set(this.audience, spaceId).add(who);
    this.emitUpdated(this.row(spaceId));
  }

  async stopListening(who: Participant, spaceId: string): Promise<void> {
    const entry = who.listening.get(spaceId);
    if (!entry) return;
    who.listening.delete(spaceId);
    const counted = this.audience.get(spaceId)?.delete(who) ?? false;
    await entry.peer.close();
    if (counted) this.emitUpdated(this.row(spaceId));
  }

  /** A connection went away: hang up everything it held. */
  async disconnect(who: Participant): Promise<void> {
    for (const spaceId of [...who.listening.keys()]) await this.stopListening(who, spaceId);
    for (const spaceId of [...who.stage.keys()]) await this.leaveStage(who, spaceId);
  }

  countListeners(spaceId: string): number {
    return this.audience.get(spaceId)?.size ?? 0;
  }

  private async leaveStage(who: Participant, spaceId: string): Promise<void> {
    const peer = who.stage.get(spaceId);
    if (!peer) return;
    this.dropStage(who, spaceId, peer);
    await peer.close();
  }

  private dropStage(who: Participant, spaceId: string, peer: MediaPeer): void {
    if (who.stage.get(spaceId) !== peer) return;
    who.stage.delete(spaceId);
    this.stage.get(spaceId)?.delete(who);
  }

  private onMediaReset(roomIds: number[]): void {
    for (const roomId of roomIds) {
      const spaceId = [...this.usedPorts.keys()].find((id) => this.store.get(id)?.seq === roomId);
      if (!spaceId) continue;
      // The old peers died with Janus; forget them so clients can negotiate afresh.
      const affected = new Set<Participant>([...(this.audience.get(spaceId) ?? []), ...(this.stage.get(spaceId) ?? [])]);
      for (const p of affected) {
        p.listening.delete(spaceId);
        p.stage.delete(spaceId);
      }
      this.audience.delete(spaceId);
      this.stage.delete(spaceId);
      this.emit('reset', spaceId, 'the media server restarted');
      this.emitUpdated(this.row(spaceId));
    }
  }

  private async ensureRoom(row: SpaceRow): Promise<void> {
    if (this.usedPorts.has(row.id)) return;
    const port = this.allocatePort();
    this.usedPorts.set(row.id, port);
    try {
      await this.media.openRoom({ roomId: this.roomId(row), mountpointPort: port });
    } catch (err) {
      this.usedPorts.delete(row.id);
      throw err;
    }
  }

  private allocatePort(): number {
    const used = new Set(this.usedPorts.values());
    const [lo, hi] = this.forwardPorts;
    // Even ports only: RTP convention, leaves the odd one for RTCP.
    for (let p = lo + (lo % 2); p <= hi; p += 2) if (!used.has(p)) return p;
    throw new AppError('media_unavailable', 'too many live Spaces on this server');
  }

  private roomId(row: SpaceRow): number {
    return row.seq;
  }

  private row(spaceId: string): SpaceRow {
    const row = this.store.get(spaceId);
    if (!row) throw new AppError('not_found', 'no Space with this id');
    return row;
  }

  private authorizeHost(spaceId: string, hostToken: string): SpaceRow {
    const row = this.row(spaceId);
    const given = Buffer.from(hashToken(hostToken), 'hex');
    const expected = Buffer.from(row.host_token_hash, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError('forbidden', 'only the host of this Space may do that');
    }
    return row;
  }

  private set<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
    let s = map.get(key);
    if (!s) map.set(key, (s = new Set()));
    return s;
  }

  private toPublic(row: SpaceRow): SpacePublic {
    return toPublic(row, this.countListeners(row.id));
  }

  private emitUpdated(row: SpaceRow): void {
    this.emit('updated', this.toPublic(row));
  }
}
