import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AppError } from '../../shared/errors.js';
import { isHost, isListener, isOnStageRole, isStaff, mayEnd, mayPublishPads, mayReadRecordings } from '../../shared/roles.js';
import type { AccountPublic } from '../../shared/account.js';
import type { Member, MemberId, Reaction, Roster, SelfState, SpacePublic } from '../../shared/space.js';
import type { CuePad, ServerEvent, ServerMessage } from '../../shared/signaling.js';
import type { MediaConnect } from '../../shared/mediaEngine.js';
import { SpaceStore, toPublic, type SpaceRow } from './store.js';
import type { ListenPeer, MediaPort, PeersLost, StagePeer, TalkEvent } from '../media/port.js';
import { Room, memberIdOf, type MemberState } from './room.js';
import { GraceTimers } from './graceTimers.js';
import type { Notifier, SpaceSnapshot } from './notifier.js';
import { guestIdentity, type Participant } from './participant.js';
import { PresenceIndex, type Presence } from './presence.js';
import { ReactionFanout } from './reactions.js';
import { SnapshotScheduler, type ChangeKind } from './snapshots.js';
import { StaffDesk } from './staffDesk.js';

export { newParticipant, type Participant } from './participant.js';
export type { Notifier } from './notifier.js';

/**
 * What the Space service tells other modules (recording, issue 12): a Space went live (also again
 * after a server restart), or is about to end (`staffAccountIds`: the owner first, then co-hosts).
 */
export interface SpaceEvents {
  live: [spaceId: string, key: number];
  ending: [spaceId: string, staffAccountIds: string[]];
  /** Analytics (issue 22): a WebRTC listen began (answered) or ended; `listener` is an account id or a guest key. */
  listening: [spaceId: string, connection: string, listener: string, on: boolean];
  /** Someone on stage started or stopped talking (the media layer's talk detection). */
  speaking: [spaceId: string, name: string, handle: string | null, speaking: boolean];
  reaction: [spaceId: string];
}

export interface SpaceServiceOptions {
  /** How long a disconnected host keeps the host role before a co-host takes over (or the Space ends). */
  hostGraceMs: number;
  /** How long a disconnected co-host, speaker or producer keeps their seat. */
  memberGraceMs: number;
  /** Reactions per member: at most `count` in any `windowMs`. */
  reactionLimit: { count: number; windowMs: number };
  /** Reaction deliveries a Space may cost per second before reactions are sent as counts (issue 11). */
  reactionDeliveriesPerSecond?: number;
  now?: () => number;
}

/** Decides who may enter a Space (tickets, issue 6); throws a typed error to refuse. */
export interface JoinGate {
  check(p: Participant, spaceId: string): void;
}

export interface SpaceServiceDeps {
  store: SpaceStore;
  media: MediaPort;
  notifier: Notifier;
  joinGate?: JoinGate;
  options: SpaceServiceOptions;
}

type PublicRoster = Roster;

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
function newSpaceId(): string {
  return Array.from(randomBytes(10), (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
}


/**
 * A Space's lifecycle (created -> live -> ended), its people (via Room) and their media (via the
 * MediaPort). Every action arrives here with the connection that asked, and is authorized here,
 * whatever the client. What each change costs does not grow with the audience (issue 11): people
 * are indexed (PresenceIndex), state goes out as shared snapshots (SnapshotScheduler), reactions
 * are aggregated when the room is big (ReactionFanout).
 */
export class SpaceService {
  /** `live` and `ending`, for modules that follow Spaces (recording). */
  readonly events = new EventEmitter<SpaceEvents>();
  private readonly rooms = new Map<string, Room>();
  private readonly people = new PresenceIndex((p, spaceId) => this.events.emit('listening', spaceId, p.id, p.identity.accountId ?? p.identity.guestKey, false));
  private readonly grace = new GraceTimers();
  private readonly staff: StaffDesk;
  private readonly reactions: ReactionFanout;
  private readonly snapshots: SnapshotScheduler;
  /** The last saved roles per Space, to skip writes that would change nothing. */
  private readonly saved = new Map<string, string>();
  /** Each Space's roster as listeners see it, rebuilt only when the stage changes. */
  private readonly publicRosters = new Map<string, PublicRoster>();
  private readonly store: SpaceStore;
  private readonly media: MediaPort;
  private readonly notifier: Notifier;
  private readonly options: SpaceServiceOptions;
  private readonly now: () => number;
  private readonly joinGate: JoinGate;

  constructor(deps: SpaceServiceDeps) {
    this.store = deps.store;
    this.media = deps.media;
    this.notifier = deps.notifier;
    this.joinGate = deps.joinGate ?? { check: () => undefined };
    this.options = deps.options;
    this.now = deps.options.now ?? Date.now;
    this.staff = new StaffDesk(this.notifier, this.now);
    this.reactions = new ReactionFanout(
      this.notifier,
      { limit: deps.options.reactionLimit, deliveriesPerSecond: deps.options.reactionDeliveriesPerSecond ?? 10_000, aggregateWindowMs: 1000 },
      this.now,
    );
    this.snapshots = new SnapshotScheduler(this.notifier, (spaceId, rosterChanged) => this.snapshot(spaceId, rosterChanged), this.now);
    this.media.on('talk', (e) => this.onTalk(e));
    this.media.on('lost', (e) => this.onMediaLost(e));
  }

  /** Reopens the media and the people of Spaces that were live when the server last stopped. */
  async restoreLive(): Promise<void> {
    for (const row of this.store.withState('live')) {
      this.room(row);
      await this.ensureMedia(row);
      this.events.emit('live', row.id, row.seq);
    }
  }

  stop(): void {
    this.snapshots.stop();
  }

  signedIn(p: Participant, account: AccountPublic, token: string): void {
    p.identity = { ...p.identity, accountId: account.id, handle: account.handle, displayName: account.displayName };
    p.token = token;
  }

  async signedOut(p: Participant): Promise<void> {
    await this.disconnect(p);
    p.identity = guestIdentity();
    p.token = null;
  }

  create(host: AccountPublic, title: string): SpacePublic {
    const row = this.store.insert({ id: newSpaceId(), title, hostName: host.displayName, hostAccountId: host.id, hostHandle: host.handle, now: this.now() });
    return this.toPublic(row);
  }

  get(spaceId: string): SpacePublic {
    return this.toPublic(this.row(spaceId));
  }

  /** A feature's event for everyone following the Space (captions, schedule, recording state). */
  publish(spaceId: string, event: ServerEvent): void {
    this.notifier.toSpace(spaceId, event);
  }

  /** Something outside the service changed the Space (schedule, tickets): everyone gets a fresh snapshot. */
  touch(spaceId: string): void {
    this.publicRosters.delete(spaceId);
    this.snapshots.mark(spaceId, 'roster');
  }

  // ---- membership ----

  join(p: Participant, spaceId: string, displayName?: string): { space: SpacePublic; self: SelfState; roster: Roster } {
    const row = this.row(spaceId);
    if (row.state === 'ended') throw new AppError('invalid_state', 'this Space has ended');
    if (!p.presence.has(spaceId)) this.joinGate.check(p, spaceId);
    if (!p.identity.accountId) {
      if (!displayName) throw new AppError('bad_message', 'guests need a display name');
      p.identity = { ...p.identity, displayName };
    }
    const room = this.room(row);
    const existing = p.presence.get(spaceId);
    const member = existing ? room.member(existing.memberId) : room.join(p.identity);
    if (!existing) this.people.add(p, spaceId, member.id);
    this.grace.cancel(spaceId, member.id);
    this.changed(room, member);
    if (isStaff(member.role)) this.staff.sendPads(p, spaceId);
    const roster = isStaff(member.role) ? room.roster(true) : this.publicRoster(room);
    return { space: this.toPublic(row), self: room.self(member), roster };
  }

  async leave(p: Participant, spaceId: string, handTo?: MemberId): Promise<void> {
    const { room, member } = this.actor(p, spaceId);
    if (isHost(member.role)) {
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
    this.changed(room, member);
  }

  /** A connection went away: hang up its media, and start the grace period of a member with a role. */
  async disconnect(p: Participant): Promise<void> {
    for (const spaceId of [...p.presence.keys()]) {
      const room = this.rooms.get(spaceId);
      const presence = p.presence.get(spaceId)!;
      await this.dropPresence(p, spaceId);
      if (!room) continue;
      const m = room.members.get(presence.memberId);
      const wasListener = !!m && isListener(m.role) && m.requestedAt === null;
      room.disconnect(presence.memberId);
      if (m && m.connections === 0 && room.members.has(m.id)) this.startGrace(room, m);
      this.snapshots.mark(spaceId, wasListener ? 'audience' : 'roster');
      if (!wasListener) this.publicRosters.delete(spaceId);
      if (!wasListener) this.persist(room);
    }
  }

  async end(p: Participant, spaceId: string): Promise<SpacePublic> {
    const { member } = this.actor(p, spaceId);
    if (!mayEnd(member.role)) throw new AppError('forbidden', 'only the host may end the Space');
    return this.endSpace(spaceId);
  }

  // ---- speaking requests, invitations, moderation ----

  /**
   * A rule that only changes who-is-what (no media): applied to the room as this connection's
   * member, then announced. `apply` returns the member whose own state changed (default: the actor).
   */
  private rule(p: Participant, spaceId: string, apply: (room: Room, me: Readonly<MemberState>) => Readonly<MemberState> | void): Readonly<MemberState> {
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
    for (const other of this.people.connectionsOf(spaceId, t.id)) {
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
    for (const q of this.people.connectionsOf(spaceId, producer.id)) this.staff.sendPads(q, spaceId);
  }

  removeProducer(p: Participant, spaceId: string, target: MemberId): void {
    this.rule(p, spaceId, (room, me) => room.removeProducer(me, target));
  }

  /** The host's Studio publishes its pads; staff see them and may cue them. */
  publishPads(p: Participant, spaceId: string, pads: CuePad[]): void {
    const { member } = this.actor(p, spaceId);
    if (!mayPublishPads(member.role)) throw new AppError('forbidden', 'only the host publishes the soundboard');
    this.staff.publish(spaceId, pads, this.staffConnections(spaceId));
  }

  /** A producer or co-host asks the host's Studio to play a pad on air. */
  cue(p: Participant, spaceId: string, padId: string): void {
    const { room, member } = this.actor(p, spaceId);
    room.requireStaff(member);
    const host = room.host;
    this.staff.cue(spaceId, padId, member.displayName, host ? this.people.connectionsOf(spaceId, host.id) : []);
  }

  note(p: Participant, spaceId: string, text: string): void {
    const { room, member } = this.actor(p, spaceId);
    room.requireStaff(member);
    this.staff.note(spaceId, member.displayName, text, this.staffConnections(spaceId));
  }

  react(p: Participant, spaceId: string, reaction: Reaction): void {
    const { member } = this.actor(p, spaceId);
    this.reactions.react(spaceId, member, reaction);
    this.events.emit('reaction', spaceId);
  }

  /** Moderators page and search the audience; big rooms never push the whole list (issue 11). */
  audiencePage(p: Participant, spaceId: string, query: string, offset: number, limit: number): { members: Member[]; total: number; offset: number } {
    const { room, member } = this.actor(p, spaceId);
    room.requireStaff(member);
    return { ...room.audiencePage(query, offset, limit), offset };
  }

  private staffConnections(spaceId: string): Participant[] {
    const room = this.rooms.get(spaceId);
    if (!room) return [];
    const out: Participant[] = [];
    for (const [memberId, conns] of this.people.members(spaceId)) {
      const m = room.members.get(memberId);
      if (m && isStaff(m.role)) out.push(...conns);
    }
    return out;
  }

  // ---- media ----

  /** A stage member joins the stage's audio; the host's first join makes the Space live. */
  async joinStage(p: Participant, spaceId: string, offer: string): Promise<string> {
    return this.enterStage(p, spaceId, async (key, display, muted) => {
      const { answer, peer } = await this.media.joinStage(key, display, offer, muted);
      return { result: answer, peer };
    });
  }

  async startListening(p: Participant, spaceId: string): Promise<string> {
    const { result } = await this.enterAudience(p, spaceId, async (key) => {
      const { offer, peer } = await this.media.listen(key);
      return { result: offer, peer };
    });
    return result;
  }

  /**
   * Which media engine the server runs; on LiveKit, a grant for this connection's stage seat or
   * audience place (issue 20), with the same rules and effects as `stage.join` / `listen.start`.
   */
  async connectMedia(p: Participant, spaceId: string, as: 'stage' | 'listen'): Promise<MediaConnect> {
    const media = this.media;
    if (media.engine !== 'livekit' || !media.stageGrant || !media.listenGrant) return { engine: 'janus' };
    if (as === 'stage') {
      const grant = await this.enterStage(p, spaceId, async (key, display, muted) => {
        const { grant, peer } = await media.stageGrant!(key, display, muted);
        return { result: grant, peer };
      });
      return { engine: 'livekit', grant };
    }
    const { result, listen } = await this.enterAudience(p, spaceId, async (key) => {
      const { grant, peer } = await media.listenGrant!(key);
      return { result: grant, peer };
    });
    // The client connects by itself: nothing to answer.
    listen.answered = true;
    return { engine: 'livekit', grant: result };
  }

  private async enterStage<T>(p: Participant, spaceId: string, connect: (key: number, display: string, muted: boolean) => Promise<{ result: T; peer: StagePeer }>): Promise<T> {
    const { room, member, presence } = this.actor(p, spaceId);
    room.requireOnStage(member);
    let row = this.row(spaceId);
    if (row.state !== 'live' && !isHost(member.role)) throw new AppError('invalid_state', 'the host has not started this Space yet');
    await this.ensureMedia(row);
    await this.closePeers(presence);
    const { result, peer } = await connect(row.seq, member.displayName, member.muted);
    // The role may have changed while the media server answered; do not keep a stage peer the member lost.
    if (p.presence.get(spaceId) !== presence || !room.members.has(member.id) || !isOnStageRole(member.role)) {
      await peer.close();
      throw new AppError('invalid_state', 'your role changed; try again');
    }
    this.people.setStage(presence, p, spaceId, peer);
    room.setOnStage(member.id, true);
    if (row.state !== 'live') {
      row = this.store.setState(spaceId, 'live', this.now());
      this.events.emit('live', spaceId, row.seq);
    }
    this.changed(room, member);
    return result;
  }

  private async enterAudience<T>(p: Participant, spaceId: string, connect: (key: number) => Promise<{ result: T; peer: ListenPeer }>): Promise<{ result: T; listen: NonNullable<Presence['listen']> }> {
    const { presence } = this.actor(p, spaceId);
    const row = this.row(spaceId);
    await this.ensureMedia(row);
    if (presence.listen) {
      const old = presence.listen.peer;
      this.people.setListen(presence, p, spaceId, undefined);
      await old.close();
    }
    const { result, peer } = await connect(row.seq);
    if (p.presence.get(spaceId) !== presence) {
      await peer.close();
      throw new AppError('invalid_state', 'you left the Space');
    }
    this.people.setListen(presence, p, spaceId, peer);
    return { result, listen: presence.listen! };
  }

  async answerListening(p: Participant, spaceId: string, sdp: string): Promise<void> {
    const { presence } = this.actor(p, spaceId);
    const listen = presence.listen;
    if (!listen) throw new AppError('invalid_state', 'start listening before sending an answer');
    if (listen.answered) throw new AppError('invalid_state', 'already listening');
    await listen.peer.answer(sdp);
    listen.answered = true;
    this.events.emit('listening', spaceId, p.id, p.identity.accountId ?? p.identity.guestKey, true);
  }

  async stopListening(p: Participant, spaceId: string): Promise<void> {
    const presence = p.presence.get(spaceId);
    const listen = presence?.listen;
    if (!presence || !listen) return;
    this.people.setListen(presence, p, spaceId, undefined);
    await listen.peer.close();
  }

  /** The live Spaces, their media keys and audience counts (operator metrics). */
  liveAudiences(): { spaceId: string; key: number; listeners: number }[] {
    return this.store.withState('live').map((row) => ({ spaceId: row.id, key: row.seq, listeners: this.listenerCount(row.id) }));
  }

  listenerCount(spaceId: string): number {
    return this.rooms.get(spaceId)?.audienceCount() ?? 0;
  }

  /** The role this connection has in a Space right now, or null if it is not in it (captions, issue 7). */
  roleIn(p: Participant, spaceId: string): MemberState['role'] | null {
    const memberId = p.presence.get(spaceId)?.memberId;
    return (memberId && this.rooms.get(spaceId)?.members.get(memberId)?.role) || null;
  }

  /**
   * Who may read a Space's recordings (the replay download, the speakers' tracks): its owner, and
   * whoever holds a role that may (shared/roles `mayReadRecordings`): now while it runs, at its end
   * once it ended. One answer for the recording and multitrack features.
   */
  mayReadRecordings(spaceId: string, who: { accountId: string | null; participant?: Participant }): boolean {
    const row = this.row(spaceId);
    if (who.accountId && who.accountId === row.host_account_id) return true;
    if (row.state === 'ended') return !!who.accountId && this.store.loadMembers(spaceId).some((m) => m.accountId === who.accountId && mayReadRecordings(m.role));
    const role = who.participant ? this.roleIn(who.participant, spaceId) : who.accountId ? (this.rooms.get(spaceId)?.members.get(`a_${who.accountId}`)?.role ?? null) : null;
    return !!role && mayReadRecordings(role);
  }

  /** The Space's media key (its row's seq, the port's stage key) and host account (recording, multitrack). */
  mediaKeyOf(spaceId: string): { key: number; hostAccountId: string } {
    const row = this.row(spaceId);
    return { key: row.seq, hostAccountId: row.host_account_id };
  }

  // ---- internals ----

  private actor(p: Participant, spaceId: string): { room: Room; member: Readonly<MemberState>; presence: Presence } {
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

  /**
   * Announces a change: the member's own state to their connections, a snapshot to everyone.
   * A plain listener coming or going touches neither the stage view nor the saved roles.
   */
  private changed(room: Room, member?: Readonly<MemberState>): void {
    if (member) {
      const self = room.self(member);
      for (const p of this.people.connectionsOf(room.spaceId, member.id)) this.notifier.toParticipant(p, { type: 'space.self', self });
      // Off the stage: their stage audio ends (the client switches to listening).
      if (!isOnStageRole(member.role) && member.onStage) void this.hangUpStage(room.spaceId, member.id);
    }
    if (this.rooms.get(room.spaceId) !== room) return;
    const kind: ChangeKind = member && isListener(member.role) && member.requestedAt === null && !member.invited && !this.wasNotable(room, member) ? 'audience' : 'roster';
    if (kind === 'roster') {
      this.publicRosters.delete(room.spaceId);
      this.persist(room);
    }
    this.snapshots.mark(room.spaceId, kind);
  }

  /** A listener who just lost a role or a request still changes the stage view once. */
  private wasNotable(room: Room, member: Readonly<MemberState>): boolean {
    const r = this.publicRosters.get(room.spaceId);
    return !r || r.stage.some((m) => m.id === member.id) || r.producers.some((m) => m.id === member.id);
  }

  private publicRoster(room: Room): Roster {
    let r = this.publicRosters.get(room.spaceId);
    if (!r) this.publicRosters.set(room.spaceId, (r = room.roster(false)));
    return r;
  }

  private snapshot(spaceId: string, rosterChanged: boolean): SpaceSnapshot | null {
    const row = this.store.get(spaceId);
    if (!row) return null;
    const room = this.rooms.get(spaceId);
    const update = JSON.stringify({ type: 'space.updated', space: this.toPublic(row) } satisfies ServerMessage);
    if (!room) return { spaceId, update, publicRoster: null, moderatorRoster: null, isModerator: () => false };
    const roster = (r: Roster): string => JSON.stringify({ type: 'space.roster', roster: r } satisfies ServerMessage);
    return {
      spaceId,
      update,
      publicRoster: rosterChanged ? roster(this.publicRoster(room)) : null,
      moderatorRoster: roster(room.roster(true)),
      isModerator: (p) => {
        const m = room.members.get(p.presence.get(spaceId)?.memberId ?? ('' as MemberId));
        return !!m && isStaff(m.role);
      },
    };
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

  private async applyMute(spaceId: string, member: Readonly<MemberState>): Promise<void> {
    for (const p of this.people.connectionsOf(spaceId, member.id)) {
      const stage = p.presence.get(spaceId)?.stage;
      if (stage) await stage.setMuted(member.muted);
    }
  }

  private async hangUpStage(spaceId: string, memberId: MemberId): Promise<void> {
    for (const p of this.people.connectionsOf(spaceId, memberId)) {
      const presence = p.presence.get(spaceId);
      const peer = presence?.stage;
      if (!presence || !peer) continue;
      this.people.setStage(presence, p, spaceId, undefined);
      await peer.close();
    }
    this.rooms.get(spaceId)?.setOnStage(memberId, false);
  }

  private async closePeers(presence: Presence): Promise<void> {
    await Promise.all(this.people.unbind(presence).map((peer) => peer.close()));
  }

  private async dropPresence(p: Participant, spaceId: string): Promise<void> {
    const presence = this.people.remove(p, spaceId);
    if (!presence) return;
    if (presence.stage) this.rooms.get(spaceId)?.setOnStage(presence.memberId, false);
    await Promise.all(this.people.unbind(presence).map((peer) => peer.close()));
  }

  private onTalk(e: TalkEvent): void {
    const owner = this.people.ownerOf(e.peer);
    if (!owner) return;
    const room = this.rooms.get(owner.spaceId);
    const memberId = owner.presence.memberId;
    if (!room?.setSpeaking(memberId, e.speaking)) return;
    const m = room.members.get(memberId)!;
    this.events.emit('speaking', owner.spaceId, m.displayName, m.handle ?? null, e.speaking);
    this.notifier.toSpace(owner.spaceId, { type: 'space.speaking', spaceId: owner.spaceId, memberId, speaking: e.speaking }, { droppable: true });
  }

  /** Media died with a node: those connections negotiate again (and are placed on a live node); nobody else is disturbed. */
  private onMediaLost(e: PeersLost): void {
    const touched = new Set<string>();
    for (const peer of e.peers) {
      const owner = this.people.ownerOf(peer);
      if (!owner) continue;
      const { p, spaceId, presence } = owner;
      if (peer.kind === 'stage' && presence.stage === peer) {
        this.people.setStage(presence, p, spaceId, undefined);
        this.rooms.get(spaceId)?.setOnStage(presence.memberId, false);
        touched.add(spaceId);
      }
      if (peer.kind === 'listen' && presence.listen?.peer === peer) this.people.setListen(presence, p, spaceId, undefined);
      this.notifier.toParticipant(p, { type: 'media.reset', spaceId, reason: e.reason });
    }
    for (const spaceId of touched) this.touch(spaceId);
  }

  /**
   * A member with a role lost their last connection: they keep it for a grace period. When it
   * ends, a speaker/co-host/producer leaves; for the host, a present co-host takes over, and if
   * there is none the Space ends.
   */
  private startGrace(room: Room, m: Readonly<MemberState>): void {
    const ms = isHost(m.role) ? this.options.hostGraceMs : this.options.memberGraceMs;
    this.grace.start(room.spaceId, m.id, ms, () => {
      if (this.rooms.get(room.spaceId) !== room || m.connections > 0) return;
      if (!isHost(m.role)) {
        room.expire(m.id);
        this.changed(room);
        return;
      }
      const heir = room.takeOver();
      if (heir) {
        this.changed(room, heir);
        this.changed(room, m);
      } else void this.endSpace(room.spaceId).catch(() => undefined);
    });
  }

  private async endSpace(spaceId: string): Promise<SpacePublic> {
    const row = this.row(spaceId);
    if (row.state === 'ended') return this.toPublic(row);
    this.grace.clearSpace(spaceId);
    this.staff.forget(spaceId);
    this.reactions.forget(spaceId);
    const cohosts = this.rooms.get(spaceId)?.cohostAccountIds() ?? [];
    this.events.emit('ending', spaceId, [row.host_account_id, ...cohosts]);
    // The roles that keep reading the recordings after the end (mayReadRecordings) stay saved.
    const keep = (this.rooms.get(spaceId)?.persistent() ?? []).filter((m) => mayReadRecordings(m.role));
    const kept = keep.map(({ connections: _c, onStage: _o, speaking: _s, ...saved }) => saved);
    const ended = this.store.setState(spaceId, 'ended', this.now());
    for (const p of this.people.everyone(spaceId)) await this.dropPresence(p, spaceId);
    this.rooms.delete(spaceId);
    this.saved.delete(spaceId);
    this.publicRosters.delete(spaceId);
    this.store.saveMembers(spaceId, kept);
    await this.media.closeStage(ended.seq).catch(() => undefined);
    this.snapshots.mark(spaceId, 'roster');
    return this.toPublic(ended);
  }

  private async ensureMedia(row: SpaceRow): Promise<void> {
    if (row.state === 'ended') throw new AppError('invalid_state', 'this Space has ended');
    await this.media.openStage(row.seq);
  }

  private row(spaceId: string): SpaceRow {
    const row = this.store.get(spaceId);
    if (!row) throw new AppError('not_found', 'no Space with this id');
    return row;
  }

  private toPublic(row: SpaceRow): SpacePublic {
    return toPublic(row, this.listenerCount(row.id));
  }
}
