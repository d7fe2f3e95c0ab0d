import { randomBytes } from 'node:crypto';
import { AppError } from '../shared/errors.js';
import type { AccountPublic } from '../shared/account.js';
import type { MemberId, SelfState, SpacePublic } from '../shared/space.js';
import type { CuePad, ServerEvent } from '../shared/signaling.js';
import { SpaceStore, toPublic, type SpaceRow } from './db.js';
import type { JanusMedia, MediaPeer } from './janus/media.js';
import { Room, memberIdOf, newGuestKey, type Identity, type MemberState } from './room.js';

/** One connection's presence in one Space. */
interface Presence {
  memberId: MemberId;
  stage?: MediaPeer;
  listen?: { peer: MediaPeer; answered: boolean };
}

/** A signaling connection as the Space service sees it. */
export interface Participant {
  readonly id: string;
  identity: Identity;
  /** The session token this connection signed in with (to revoke on sign-out). */
  token: string | null;
  readonly presence: Map<string, Presence>;
}

export function newParticipant(): Participant {
  const guestKey = newGuestKey();
  return {
    id: randomBytes(8).toString('hex'),
    identity: { accountId: null, handle: null, displayName: 'Guest', guestKey },
    token: null,
    presence: new Map(),
  };
}

/** How the service reaches clients; implemented by the signaling layer. */
export interface Notifier {
  /** Everyone following the Space (watchers and members). */
  toSpace(spaceId: string, event: ServerEvent): void;
  toParticipant(p: Participant, event: ServerEvent): void;
  /** The Space's state or people changed: subscribers get `space.updated` and their roster view (coalesced). */
  spaceChanged(spaceId: string): void;
}

/**
 * Told when a Space goes live (also again after a server restart) and when it is about to end
 * (recording, issue 12). `staffAccountIds`: the Space's owner first, then its co-hosts.
 */
export interface SpaceLifecycle {
  live(spaceId: string, key: number): void;
  ending(spaceId: string, staffAccountIds: string[]): void;
}

export interface SpaceServiceOptions {
  forwardPorts: [number, number];
  /** How long a disconnected host keeps the host role before a co-host takes over (or the Space ends). */
  hostGraceMs: number;
  /** How long a disconnected co-host, speaker or producer keeps their seat. */
  memberGraceMs: number;
  /** Reactions per member: at most `count` in any `windowMs`. */
  reactionLimit: { count: number; windowMs: number };
  now?: () => number;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
function newSpaceId(): string {
  return Array.from(randomBytes(10), (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
}

/**
 * A Space's lifecycle (created -> live -> ended), its people (via Room) and their media
 * (via JanusMedia). Every action arrives here with the connection that asked, and is
 * authorized here, whatever the client.
 */
export class SpaceService {
  private readonly rooms = new Map<string, Room>();
  private readonly mediaPorts = new Map<string, number>();
  /** Space id -> connections present in it (to reach members and hang up their media). */
  private readonly present = new Map<string, Set<Participant>>();
  /** Away members' grace timers, by `${spaceId}/${memberId}`. */
  private readonly grace = new Map<string, NodeJS.Timeout>();
  /** The last saved roles per Space, to skip writes that would change nothing. */
  private readonly saved = new Map<string, string>();
  /** The host's soundboard pads, as published to staff. */
  private readonly cuePads = new Map<string, CuePad[]>();
  private readonly reactionTimes = new Map<string, number[]>();
  private readonly now: () => number;
  notifier: Notifier = { toSpace: () => undefined, toParticipant: () => undefined, spaceChanged: () => undefined };
  /** Checked before anyone enters a Space (tickets, issue 6); throws a typed error to refuse. */
  joinGate: (p: Participant, spaceId: string) => void = () => undefined;
  /** Recording's hooks (issue 12). */
  lifecycle: SpaceLifecycle = { live: () => undefined, ending: () => undefined };

  constructor(
    private readonly store: SpaceStore,
    private readonly media: JanusMedia,
    private readonly options: SpaceServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
    media.on('reset', (roomIds: number[]) => this.onMediaReset(roomIds));
  }

  /** Reopens the media and the people of Spaces that were live when the server last stopped. */
  async restoreLive(): Promise<void> {
    for (const row of this.store.withState('live')) {
      this.room(row);
      await this.ensureMedia(row);
      this.lifecycle.live(row.id, row.seq);
    }
  }

  signedIn(p: Participant, account: AccountPublic, token: string): void {
    p.identity = { ...p.identity, accountId: account.id, handle: account.handle, displayName: account.displayName };
    p.token = token;
  }

  async signedOut(p: Participant): Promise<void> {
    await this.disconnect(p);
    p.identity = { accountId: null, handle: null, displayName: 'Guest', guestKey: newGuestKey() };
    p.token = null;
  }

  create(host: AccountPublic, title: string): SpacePublic {
    const row = this.store.insert({ id: newSpaceId(), title, hostName: host.displayName, hostAccountId: host.id, hostHandle: host.handle, now: this.now() });
    return this.toPublic(row);
  }

  get(spaceId: string): SpacePublic {
    return this.toPublic(this.row(spaceId));
  }

  // ---- membership ----

  join(p: Participant, spaceId: string, displayName?: string): { space: SpacePublic; self: SelfState; roster: ReturnType<Room['roster']> } {
    const row = this.row(spaceId);
    if (row.state === 'ended') throw new AppError('invalid_state', 'this Space has ended');
    if (!p.presence.has(spaceId)) this.joinGate(p, spaceId);
    if (!p.identity.accountId) {
      if (!displayName) throw new AppError('bad_message', 'guests need a display name');
      p.identity = { ...p.identity, displayName };
    }
    const room = this.room(row);
    const existing = p.presence.get(spaceId);
    const member = existing ? room.member(existing.memberId) : room.join(p.identity);
    if (!existing) {
      p.presence.set(spaceId, { memberId: member.id });
      this.set(this.present, spaceId).add(p);
    }
    this.cancelGrace(spaceId, member.id);
    this.changed(room, member);
    if (this.isStaff(member)) this.sendPads(p, spaceId);
    return { space: this.toPublic(row), self: room.self(member), roster: room.roster(this.isModerator(member)) };
  }

  async leave(p: Participant, spaceId: string, handTo?: MemberId): Promise<void> {
    const { room, member } = this.actor(p, spaceId);
    if (member.role === 'host') {
      if (handTo) {
        const heir = room.handOver(member, handTo);
        this.store.setHost(spaceId, { id: heir.accountId!, handle: heir.handle ?? '', displayName: heir.displayName });
        await this.dropPresence(p, spaceId);
        this.changed(room, heir);
        return;
      }
      await this.endSpace(spaceId);
      return;
    }
    room.leave(member.id);
    await this.dropPresence(p, spaceId);
    this.changed(room);
  }

  /** A connection went away: hang up its media, and start the host's grace period if it was the host. */
  async disconnect(p: Participant): Promise<void> {
    for (const spaceId of [...p.presence.keys()]) {
      const room = this.rooms.get(spaceId);
      const presence = p.presence.get(spaceId)!;
      await this.dropPresence(p, spaceId);
      if (!room) continue;
      room.disconnect(presence.memberId);
      const m = room.members.get(presence.memberId);
      if (m && m.connections === 0) this.startGrace(room, m);
      this.changed(room);
    }
  }

  async end(p: Participant, spaceId: string): Promise<SpacePublic> {
    const { member } = this.actor(p, spaceId);
    if (member.role !== 'host') throw new AppError('forbidden', 'only the host may end the Space');
    return this.endSpace(spaceId);
  }

  // ---- speaking requests, invitations, moderation ----

  /**
   * A rule that only changes who-is-what (no media): applied to the room as this connection's
   * member, then announced. `apply` returns the member whose own state changed (default: the actor).
   */
  private rule(p: Participant, spaceId: string, apply: (room: Room, me: MemberState) => MemberState | void): MemberState {
    const { room, member } = this.actor(p, spaceId);
    const changed = apply(room, member) ?? member;
    this.changed(room, changed);
    return changed;
  }

  raiseRequest(p: Participant, spaceId: string): void {
    this.rule(p, spaceId, (room, me) => room.raiseRequest(me));
  }

  cancelRequest(p: Participant, spaceId: string): void {
    this.rule(p, spaceId, (room, me) => room.cancelRequest(me));
  }

  approve(p: Participant, spaceId: string, target: MemberId): void {
    this.rule(p, spaceId, (room, me) => room.approve(me, target));
  }

  deny(p: Participant, spaceId: string, target: MemberId): void {
    this.rule(p, spaceId, (room, me) => room.deny(me, target));
  }

  invite(p: Participant, spaceId: string, target: MemberId): void {
    this.rule(p, spaceId, (room, me) => room.invite(me, target));
  }

  acceptInvite(p: Participant, spaceId: string): void {
    this.rule(p, spaceId, (room, me) => room.acceptInvite(me));
  }

  declineInvite(p: Participant, spaceId: string): void {
    this.rule(p, spaceId, (room, me) => room.declineInvite(me));
  }

  async toAudience(p: Participant, spaceId: string, target: MemberId): Promise<void> {
    const { room, member } = this.actor(p, spaceId);
    const t = room.toAudience(member, target);
    await this.hangUpStage(spaceId, t.id);
    this.changed(room, t);
  }

  async mute(p: Participant, spaceId: string, target: MemberId): Promise<void> {
    const { room, member } = this.actor(p, spaceId);
    const t = room.mute(member, target);
    await this.applyMute(spaceId, t);
    this.changed(room, t);
  }

  async unmute(p: Participant, spaceId: string): Promise<void> {
    const { room, member } = this.actor(p, spaceId);
    room.unmute(member);
    await this.applyMute(spaceId, member);
    this.changed(room, member);
  }

  async remove(p: Participant, spaceId: string, target: MemberId): Promise<void> {
    const { room, member } = this.actor(p, spaceId);
    const t = room.remove(member, target);
    this.store.addRemoval(spaceId, t.id, this.now());
    for (const other of [...(this.present.get(spaceId) ?? [])]) {
      if (other.presence.get(spaceId)?.memberId !== t.id) continue;
      await this.dropPresence(other, spaceId);
      this.notifier.toParticipant(other, { type: 'space.removed', spaceId, reason: 'a host removed you from this Space' });
    }
    this.changed(room);
  }

  addCohost(p: Participant, spaceId: string, target: MemberId): void {
    this.rule(p, spaceId, (room, me) => room.addCohost(me, target));
  }

  removeCohost(p: Participant, spaceId: string, target: MemberId): void {
    this.rule(p, spaceId, (room, me) => room.removeCohost(me, target));
  }

  addProducer(p: Participant, spaceId: string, target: MemberId): void {
    const producer = this.rule(p, spaceId, (room, me) => room.addProducer(me, target));
    for (const q of this.connectionsOf(spaceId, producer.id)) this.sendPads(q, spaceId);
  }

  removeProducer(p: Participant, spaceId: string, target: MemberId): void {
    this.rule(p, spaceId, (room, me) => room.removeProducer(me, target));
  }

  /** The host's Studio publishes its pads; staff see them and may cue them. */
  publishPads(p: Participant, spaceId: string, pads: CuePad[]): void {
    const { member } = this.actor(p, spaceId);
    if (member.role !== 'host') throw new AppError('forbidden', 'only the host publishes the soundboard');
    this.cuePads.set(spaceId, pads);
    for (const q of this.staffConnections(spaceId)) this.sendPads(q, spaceId);
  }

  /** A producer or co-host asks the host's Studio to play a pad on air. */
  cue(p: Participant, spaceId: string, padId: string): void {
    const { room, member } = this.actor(p, spaceId);
    room.requireStaff(member);
    if (!(this.cuePads.get(spaceId) ?? []).some((pad) => pad.id === padId)) throw new AppError('not_found', 'the host has no such pad');
    const host = room.host;
    const targets = host ? this.connectionsOf(spaceId, host.id) : [];
    if (targets.length === 0) throw new AppError('invalid_state', "the host's Studio is not connected");
    for (const q of targets) this.notifier.toParticipant(q, { type: 'staff.cue', spaceId, padId, from: member.displayName });
  }

  note(p: Participant, spaceId: string, text: string): void {
    const { room, member } = this.actor(p, spaceId);
    room.requireStaff(member);
    const event = { type: 'staff.note' as const, spaceId, from: member.displayName, text, at: this.now() };
    for (const q of this.staffConnections(spaceId)) this.notifier.toParticipant(q, event);
  }

  private isStaff(m: MemberState): boolean {
    return m.role === 'host' || m.role === 'cohost' || m.role === 'producer';
  }

  private connectionsOf(spaceId: string, memberId: MemberId): Participant[] {
    return [...(this.present.get(spaceId) ?? [])].filter((q) => q.presence.get(spaceId)?.memberId === memberId);
  }

  private staffConnections(spaceId: string): Participant[] {
    const room = this.rooms.get(spaceId);
    if (!room) return [];
    return [...(this.present.get(spaceId) ?? [])].filter((q) => {
      const m = room.members.get(q.presence.get(spaceId)?.memberId ?? ('' as MemberId));
      return !!m && this.isStaff(m);
    });
  }

  private sendPads(p: Participant, spaceId: string): void {
    const pads = this.cuePads.get(spaceId);
    if (pads) this.notifier.toParticipant(p, { type: 'staff.pads', spaceId, pads });
  }

  react(p: Participant, spaceId: string, reaction: string): void {
    const { member } = this.actor(p, spaceId);
    const { count, windowMs } = this.options.reactionLimit;
    const key = `${spaceId}/${member.id}`;
    const now = this.now();
    const recent = (this.reactionTimes.get(key) ?? []).filter((t) => now - t < windowMs);
    if (recent.length >= count) throw new AppError('rate_limited', `at most ${count} reactions every ${windowMs / 1000} s`);
    recent.push(now);
    this.reactionTimes.set(key, recent);
    this.notifier.toSpace(spaceId, { type: 'space.reaction', spaceId, memberId: member.id, displayName: member.displayName, reaction: reaction as never });
  }

  // ---- media ----

  /** A stage member joins the stage's audio; the host's first join makes the Space live. */
  async joinStage(p: Participant, spaceId: string, offer: string): Promise<string> {
    const { room, member, presence } = this.actor(p, spaceId);
    room.requireOnStage(member);
    let row = this.row(spaceId);
    if (row.state === 'ended') throw new AppError('invalid_state', 'this Space has ended');
    if (row.state !== 'live' && member.role !== 'host') throw new AppError('invalid_state', 'the host has not started this Space yet');
    await this.ensureMedia(row);
    await this.closePeers(presence);
    const { answer, peer } = await this.media.joinStage(row.seq, member.displayName, offer, member.muted);
    // The role may have changed while Janus answered; do not keep a stage peer the member lost.
    if (p.presence.get(spaceId) !== presence || !room.members.has(member.id) || member.role === 'listener') {
      await peer.close();
      throw new AppError('invalid_state', 'your role changed; try again');
    }
    presence.stage = peer;
    member.onStage = true;
    peer.handle.on('event', (e: { data: Record<string, unknown> }) => this.onStageEvent(room, e.data));
    peer.handle.once('detached', () => {
      if (presence.stage !== peer) return;
      presence.stage = undefined;
      member.onStage = false;
      this.changed(room);
    });
    if (row.state !== 'live') {
      row = this.store.setState(spaceId, 'live', this.now());
      this.lifecycle.live(spaceId, row.seq);
    }
    this.changed(room, member);
    return answer;
  }

  async startListening(p: Participant, spaceId: string): Promise<string> {
    const { presence } = this.actor(p, spaceId);
    const row = this.row(spaceId);
    if (row.state === 'ended') throw new AppError('invalid_state', 'this Space has ended');
    await this.ensureMedia(row);
    if (presence.listen) {
      await presence.listen.peer.close();
      presence.listen = undefined;
    }
    const { offer, peer } = await this.media.watch(row.seq);
    presence.listen = { peer, answered: false };
    peer.handle.once('detached', () => {
      if (presence.listen?.peer === peer) presence.listen = undefined;
    });
    return offer;
  }

  async answerListening(p: Participant, spaceId: string, sdp: string): Promise<void> {
    const { presence } = this.actor(p, spaceId);
    const listen = presence.listen;
    if (!listen) throw new AppError('invalid_state', 'start listening before sending an answer');
    if (listen.answered) throw new AppError('invalid_state', 'already listening');
    await listen.peer.answer(sdp);
    listen.answered = true;
  }

  async stopListening(p: Participant, spaceId: string): Promise<void> {
    const presence = p.presence.get(spaceId);
    const listen = presence?.listen;
    if (!presence || !listen) return;
    presence.listen = undefined;
    await listen.peer.close();
  }

  listenerCount(spaceId: string): number {
    return this.rooms.get(spaceId)?.audienceCount() ?? 0;
  }

  /** For the signaling layer: the roster view this participant may see. */
  rosterFor(p: Participant, spaceId: string): ReturnType<Room['roster']> | null {
    const room = this.rooms.get(spaceId);
    if (!room) return null;
    const memberId = p.presence.get(spaceId)?.memberId;
    const m = memberId ? room.members.get(memberId) : undefined;
    return room.roster(!!m && this.isModerator(m));
  }

  /** The role this connection has in a Space right now, or null if it is not in it (captions, issue 7). */
  roleIn(p: Participant, spaceId: string): MemberState['role'] | null {
    const memberId = p.presence.get(spaceId)?.memberId;
    return (memberId && this.rooms.get(spaceId)?.members.get(memberId)?.role) || null;
  }

  // ---- internals ----

  private isModerator(m: MemberState): boolean {
    return this.isStaff(m);
  }

  private actor(p: Participant, spaceId: string): { room: Room; member: MemberState; presence: Presence } {
    const row = this.row(spaceId);
    const presence = p.presence.get(spaceId);
    const room = this.rooms.get(spaceId);
    if (!presence || !room) {
      if (room?.isRemoved(memberIdOf(p.identity))) throw new AppError('forbidden', 'you were removed from this Space');
      throw new AppError('forbidden', 'join the Space first');
    }
    if (row.state === 'ended') throw new AppError('invalid_state', 'this Space has ended');
    return { room, member: room.member(presence.memberId), presence };
  }

  private room(row: SpaceRow): Room {
    let room = this.rooms.get(row.id);
    if (!room) {
      room = new Room(row.id, row.host_account_id, this.store.removals(row.id), this.now);
      this.rooms.set(row.id, room);
      // After a server restart: everyone who held a role is away until they reconnect.
      for (const saved of this.store.loadMembers(row.id)) room.restore(saved);
      for (const m of room.members.values()) this.startGrace(room, m);
    }
    return room;
  }

  /** Announces a change: the roster to everyone, the member's own state to their connections. */
  private changed(room: Room, member?: MemberState): void {
    if (member) {
      const self = room.self(member);
      for (const p of this.present.get(room.spaceId) ?? []) {
        if (p.presence.get(room.spaceId)?.memberId === member.id) this.notifier.toParticipant(p, { type: 'space.self', self });
      }
      // Off the stage: their stage audio ends (the client switches to listening).
      if (member.role === 'listener' && member.onStage) void this.hangUpStage(room.spaceId, member.id);
    }
    if (this.rooms.get(room.spaceId) === room) this.persist(room);
    this.notifier.spaceChanged(room.spaceId);
  }

  /**
   * Saves who holds a role (and pending requests) when that changed: listeners coming and going,
   * the common case with a large audience, write nothing.
   */
  private persist(room: Room): void {
    const members = room.persistent().map(({ connections: _c, onStage: _o, speaking: _s, ...saved }) => saved);
    const snapshot = JSON.stringify(members);
    if (this.saved.get(room.spaceId) === snapshot) return;
    this.saved.set(room.spaceId, snapshot);
    this.store.saveMembers(room.spaceId, members);
  }

  private async applyMute(spaceId: string, member: MemberState): Promise<void> {
    for (const p of this.present.get(spaceId) ?? []) {
      const presence = p.presence.get(spaceId);
      if (presence?.memberId === member.id && presence.stage) await presence.stage.setMuted(member.muted);
    }
  }

  private async hangUpStage(spaceId: string, memberId: MemberId): Promise<void> {
    for (const p of this.present.get(spaceId) ?? []) {
      const presence = p.presence.get(spaceId);
      if (presence?.memberId !== memberId || !presence.stage) continue;
      const peer = presence.stage;
      presence.stage = undefined;
      await peer.close();
    }
    const m = this.rooms.get(spaceId)?.members.get(memberId);
    if (m) m.onStage = false;
  }

  private async closePeers(presence: Presence): Promise<void> {
    const peers = [presence.stage, presence.listen?.peer].filter((x): x is MediaPeer => !!x);
    presence.stage = undefined;
    presence.listen = undefined;
    await Promise.all(peers.map((peer) => peer.close()));
  }

  private async dropPresence(p: Participant, spaceId: string): Promise<void> {
    const presence = p.presence.get(spaceId);
    if (!presence) return;
    p.presence.delete(spaceId);
    this.present.get(spaceId)?.delete(p);
    const m = this.rooms.get(spaceId)?.members.get(presence.memberId);
    if (m && presence.stage) m.onStage = false;
    await this.closePeers(presence);
  }

  private onStageEvent(room: Room, data: Record<string, unknown>): void {
    const kind = data.audiobridge;
    if (kind !== 'talking' && kind !== 'stopped-talking') return;
    const speaking = kind === 'talking';
    for (const p of this.present.get(room.spaceId) ?? []) {
      const presence = p.presence.get(room.spaceId);
      if (!presence?.stage || presence.stage.participantId !== data.id) continue;
      const m = room.members.get(presence.memberId);
      if (!m || m.speaking === speaking) return;
      m.speaking = speaking;
      this.notifier.toSpace(room.spaceId, { type: 'space.speaking', spaceId: room.spaceId, memberId: m.id, speaking });
      return;
    }
  }

  /**
   * A member with a role lost their last connection: they keep it for a grace period. When it
   * ends, a speaker/co-host/producer leaves; for the host, a present co-host takes over, and if
   * there is none the Space ends.
   */
  private startGrace(room: Room, m: MemberState): void {
    const key = `${room.spaceId}/${m.id}`;
    clearTimeout(this.grace.get(key));
    const ms = m.role === 'host' ? this.options.hostGraceMs : this.options.memberGraceMs;
    const timer = setTimeout(() => {
      this.grace.delete(key);
      if (this.rooms.get(room.spaceId) !== room || m.connections > 0) return;
      if (m.role !== 'host') {
        room.expire(m.id);
        this.changed(room);
        return;
      }
      const heir = room.takeOver();
      if (heir) {
        this.changed(room, heir);
        this.changed(room, m);
      } else void this.endSpace(room.spaceId).catch(() => undefined);
    }, ms);
    timer.unref();
    this.grace.set(key, timer);
  }

  private cancelGrace(spaceId: string, memberId: MemberId): void {
    const key = `${spaceId}/${memberId}`;
    clearTimeout(this.grace.get(key));
    this.grace.delete(key);
  }

  private clearGrace(spaceId: string): void {
    for (const [key, timer] of this.grace) {
      if (!key.startsWith(`${spaceId}/`)) continue;
      clearTimeout(timer);
      this.grace.delete(key);
    }
  }

  private async endSpace(spaceId: string): Promise<SpacePublic> {
    const row = this.row(spaceId);
    if (row.state === 'ended') return this.toPublic(row);
    this.clearGrace(spaceId);
    this.cuePads.delete(spaceId);
    const cohosts = [...(this.rooms.get(spaceId)?.members.values() ?? [])].filter((m) => m.role === 'cohost' && m.accountId).map((m) => m.accountId!);
    this.lifecycle.ending(spaceId, [row.host_account_id, ...cohosts]);
    const ended = this.store.setState(spaceId, 'ended', this.now());
    for (const p of [...(this.present.get(spaceId) ?? [])]) await this.dropPresence(p, spaceId);
    this.present.delete(spaceId);
    this.rooms.delete(spaceId);
    this.saved.delete(spaceId);
    this.store.saveMembers(spaceId, []);
    await this.media.closeRoom(ended.seq).catch(() => undefined);
    this.mediaPorts.delete(spaceId);
    this.notifier.spaceChanged(spaceId);
    return this.toPublic(ended);
  }

  private onMediaReset(roomIds: number[]): void {
    for (const spaceId of [...this.mediaPorts.keys()]) {
      const row = this.store.get(spaceId);
      if (!row || !roomIds.includes(row.seq)) continue;
      // The old peers died with Janus; forget them so clients can negotiate afresh.
      for (const p of this.present.get(spaceId) ?? []) {
        const presence = p.presence.get(spaceId);
        if (!presence) continue;
        presence.stage = undefined;
        presence.listen = undefined;
      }
      for (const m of this.rooms.get(spaceId)?.members.values() ?? []) {
        m.onStage = false;
        m.speaking = false;
      }
      this.notifier.toSpace(spaceId, { type: 'media.reset', spaceId, reason: 'the media server restarted' });
      this.notifier.spaceChanged(spaceId);
    }
  }

  private async ensureMedia(row: SpaceRow): Promise<void> {
    if (this.mediaPorts.has(row.id)) return;
    const used = new Set(this.mediaPorts.values());
    const [lo, hi] = this.options.forwardPorts;
    let port = -1;
    // Even ports only: RTP convention, leaves the odd one for RTCP.
    for (let candidate = lo + (lo % 2); candidate <= hi; candidate += 2) {
      if (!used.has(candidate)) {
        port = candidate;
        break;
      }
    }
    if (port < 0) throw new AppError('media_unavailable', 'too many live Spaces on this server');
    this.mediaPorts.set(row.id, port);
    try {
      await this.media.openRoom({ roomId: row.seq, mountpointPort: port });
    } catch (err) {
      this.mediaPorts.delete(row.id);
      throw err;
    }
  }

  private row(spaceId: string): SpaceRow {
    const row = this.store.get(spaceId);
    if (!row) throw new AppError('not_found', 'no Space with this id');
    return row;
  }

  private set<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
    let s = map.get(key);
    if (!s) map.set(key, (s = new Set()));
    return s;
  }

  private toPublic(row: SpaceRow): SpacePublic {
    return toPublic(row, this.listenerCount(row.id));
  }
}
