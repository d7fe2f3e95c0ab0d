import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors.js';
import { isHost, isOnStageRole, mayMakeCohost, mayModerate, mayUnmakeCohost, outranksProblem } from '../../shared/roles.js';
import { LIMITS, type Member, type MemberId, type Role, type Roster, type SelfState } from '../../shared/space.js';

/** Who is asking: a connection's identity as the server knows it. */
export interface Identity {
  accountId: string | null;
  handle: string | null;
  displayName: string;
  /** Stable for a guest's connection; accounts use their account id. */
  guestKey: string;
}

export interface MemberState {
  id: MemberId;
  accountId: string | null;
  handle: string | null;
  displayName: string;
  role: Role;
  requestedAt: number | null;
  invited: boolean;
  muted: boolean;
  speaking: boolean;
  onStage: boolean;
  /** Open connections of this member in this Space. */
  connections: number;
  joinedAt: number;
}

/** What survives a server restart of a member (the rest is about their connections). */
export type SavedMember = Omit<MemberState, 'connections' | 'onStage' | 'speaking'>;

export function memberIdOf(who: Identity): MemberId {
  return who.accountId ? `a_${who.accountId}` : `g_${who.guestKey}`;
}

export function newGuestKey(): string {
  return randomBytes(9).toString('base64url');
}

/** How many of the newest listeners a moderator's pushed roster carries; the rest are paged. */
export const ROSTER_AUDIENCE = 50;

function memberView(m: MemberState): Member {
  return {
    id: m.id,
    displayName: m.displayName,
    handle: m.handle,
    role: m.role,
    onStage: m.onStage,
    muted: m.muted,
    speaking: m.speaking,
    present: m.connections > 0,
  };
}

/** Who runs the queue and the stage: the host, co-hosts and producers. */
const isModerator = (m: MemberState): boolean => mayModerate(m.role);
const onStageRole = isOnStageRole;

/**
 * The people in one Space and the rules between them: roles, seats, requests, invitations,
 * mutes, removals. Pure state and authorization; no I/O. Every method either changes the state
 * as the rules allow or throws a typed AppError and changes nothing.
 */
export class Room {
  private readonly byId = new Map<MemberId, MemberState>();
  private readonly removed: Set<string>;
  /**
   * Members who are not simply a connected listener: a role, a pending request, or away. Small
   * (the stage, staff, the queue) whatever the audience, so the stage, the queue, the seat counts
   * and the saved roles are found without walking thousands of listeners (issue 11). Every method
   * that changes a role, a request or a connection count calls `track`.
   */
  private readonly notable = new Set<MemberState>();

  /** The account that holds the host role now (a co-host may act as host while the owner is away). */
  public hostAccountId: string;

  constructor(
    readonly spaceId: string,
    /** The Space's owner: the account that created it; they get the host role back on return. */
    readonly ownerAccountId: string,
    removed: Iterable<string> = [],
    private readonly now: () => number = Date.now,
  ) {
    this.hostAccountId = ownerAccountId;
    this.removed = new Set(removed);
  }

  /** Everyone in the Space, read-only: the state changes only through the methods below. */
  get members(): ReadonlyMap<MemberId, Readonly<MemberState>> {
    return this.byId;
  }

  /** The member's stage audio connected (true) or went away (false: not speaking either). */
  setOnStage(id: MemberId, on: boolean): void {
    const m = this.byId.get(id);
    if (!m) return;
    m.onStage = on;
    if (!on) m.speaking = false;
  }

  /** The media server heard the member start or stop talking; false when nothing changed. */
  setSpeaking(id: MemberId, speaking: boolean): boolean {
    const m = this.byId.get(id);
    if (!m || m.speaking === speaking) return false;
    m.speaking = speaking;
    return true;
  }

  /** Puts back a member saved before a server restart: away until they reconnect. */
  restore(m: SavedMember): void {
    if (this.removed.has(m.id)) return;
    const restored: MemberState = { ...m, connections: 0, onStage: false, speaking: false };
    this.byId.set(m.id, restored);
    this.track(restored);
    if (m.role === 'host' && m.accountId) this.hostAccountId = m.accountId;
  }

  get host(): Readonly<MemberState> | undefined {
    return this.byId.get(`a_${this.hostAccountId}`);
  }

  isRemoved(id: MemberId): boolean {
    return this.removed.has(id);
  }

  /** Enters the Space (again). The host's account always gets the host role back. */
  join(who: Identity): Readonly<MemberState> {
    const id = memberIdOf(who);
    if (this.removed.has(id)) throw new AppError('forbidden', 'you were removed from this Space and cannot rejoin it');
    let m = this.byId.get(id);
    if (!m) {
      m = {
        id,
        accountId: who.accountId,
        handle: who.handle,
        displayName: who.displayName,
        role: who.accountId === this.hostAccountId ? 'host' : 'listener',
        requestedAt: null,
        invited: false,
        muted: false,
        speaking: false,
        onStage: false,
        connections: 0,
        joinedAt: this.now(),
      };
      this.byId.set(id, m);
    }
    m.connections++;
    // The owner returns while a co-host acts as host: the owner takes the host role back.
    if (who.accountId === this.ownerAccountId && m.role !== 'host') this.reclaim(m);
    this.track(m);
    return m;
  }

  private reclaim(owner: MemberState): void {
    const acting = this.byId.get(`a_${this.hostAccountId}`);
    if (acting && acting !== owner) acting.role = 'cohost';
    if (acting) this.track(acting);
    owner.role = 'host';
    owner.requestedAt = null;
    owner.invited = false;
    this.hostAccountId = this.ownerAccountId;
  }

  /**
   * A connection of this member went away. Listeners leave with their last connection; the host,
   * co-hosts, speakers and producers stay (away) so that a dropped link does not cost them their
   * seat: `expire` removes them when their grace period ends. Returns true if the member left.
   */
  disconnect(id: MemberId): boolean {
    const m = this.byId.get(id);
    if (!m) return false;
    m.connections = Math.max(0, m.connections - 1);
    if (m.connections > 0) return false;
    m.onStage = false;
    m.speaking = false;
    if (m.role !== 'listener') {
      this.track(m);
      return false;
    }
    this.drop(m);
    return true;
  }

  /** An away member's grace period ended: they leave (the host is handled by `takeOver`). */
  expire(id: MemberId): void {
    const m = this.byId.get(id);
    if (m && m.connections === 0 && m.role !== 'host') this.drop(m);
  }

  /**
   * The host has been away for the whole grace period: the longest-serving present co-host gets
   * host controls. Returns them, or null when there is nobody to take over.
   */
  takeOver(): Readonly<MemberState> | null {
    const host = this.byId.get(`a_${this.hostAccountId}`);
    if (host && host.connections > 0) return null;
    const heir = [...this.notable]
      .filter((m) => m.role === 'cohost' && m.connections > 0 && m.accountId)
      .sort((a, b) => a.joinedAt - b.joinedAt)[0];
    if (!heir) return null;
    if (host) host.role = 'cohost';
    heir.role = 'host';
    this.hostAccountId = heir.accountId!;
    return heir;
  }

  leave(id: MemberId): void {
    const m = this.byId.get(id);
    if (m && m.role !== 'host') this.drop(m);
  }

  addProducer(actor: MemberState, targetId: MemberId): Readonly<MemberState> {
    this.requireHost(actor);
    const t = this.target(targetId);
    if (t.role !== 'listener') throw new AppError('invalid_state', 'only someone in the audience can become a producer');
    if (!t.accountId) throw new AppError('invalid_state', 'a producer needs an account');
    t.role = 'producer';
    t.requestedAt = null;
    t.invited = false;
    this.track(t);
    return t;
  }

  removeProducer(actor: MemberState, targetId: MemberId): Readonly<MemberState> {
    this.requireHost(actor);
    const t = this.target(targetId);
    if (t.role !== 'producer') throw new AppError('invalid_state', 'that person is not a producer');
    t.role = 'listener';
    this.track(t);
    return t;
  }

  /** Staff (host, co-hosts, producers) share cues and private notes. */
  requireStaff(actor: MemberState): void {
    if (!isModerator(actor)) throw new AppError('forbidden', 'only the host, co-hosts and producers may do that');
  }

  member(id: MemberId): Readonly<MemberState> {
    const m = this.byId.get(id);
    if (!m) throw new AppError('forbidden', 'join the Space first');
    return m;
  }

  /** The target of a moderation action; not being in the Space is `not_found`. */
  private target(id: MemberId): MemberState {
    const m = this.byId.get(id);
    if (!m) throw new AppError('not_found', 'that person is not in this Space');
    return m;
  }

  private count(role: Role): number {
    let n = 0;
    for (const m of this.notable) if (m.role === role) n++;
    return n;
  }

  /** Keeps `notable` true for one member after a change to its role, request or connections. */
  private track(m: MemberState): void {
    if (this.byId.get(m.id) === m && (m.role !== 'listener' || m.requestedAt !== null || m.connections === 0)) this.notable.add(m);
    else this.notable.delete(m);
  }

  private drop(m: MemberState): void {
    this.byId.delete(m.id);
    this.notable.delete(m);
  }

  private requireModerator(actor: MemberState): void {
    if (!isModerator(actor)) throw new AppError('forbidden', 'only the host and co-hosts may do that');
  }

  private requireHost(actor: MemberState): void {
    if (!isHost(actor.role)) throw new AppError('forbidden', 'only the host may do that');
  }

  /** Co-hosts manage speakers and listeners, never the host or other co-hosts. */
  private requireOutranks(actor: MemberState, target: MemberState): void {
    const problem = outranksProblem(actor.role, target.role);
    if (problem) throw new AppError('forbidden', problem);
  }

  private requireSpeakerSeat(): void {
    if (this.count('speaker') >= LIMITS.speakers) throw new AppError('stage_full', `the stage is full (${LIMITS.speakers} speakers)`);
  }

  raiseRequest(actor: MemberState): void {
    if (actor.role !== 'listener') throw new AppError('invalid_state', 'you are already on stage');
    if (!actor.accountId) throw new AppError('unauthenticated', 'sign in to request to speak');
    if (actor.requestedAt !== null) throw new AppError('invalid_state', 'you have already asked to speak');
    actor.requestedAt = this.now();
    this.track(actor);
  }

  cancelRequest(actor: MemberState): void {
    if (actor.requestedAt === null) throw new AppError('invalid_state', 'you have not asked to speak');
    actor.requestedAt = null;
    this.track(actor);
  }

  approve(actor: MemberState, targetId: MemberId): Readonly<MemberState> {
    this.requireModerator(actor);
    const t = this.target(targetId);
    if (t.requestedAt === null) throw new AppError('invalid_state', 'that person has not asked to speak');
    this.requireSpeakerSeat();
    t.requestedAt = null;
    t.invited = false;
    t.role = 'speaker';
    this.track(t);
    return t;
  }

  deny(actor: MemberState, targetId: MemberId): Readonly<MemberState> {
    this.requireModerator(actor);
    const t = this.target(targetId);
    if (t.requestedAt === null) throw new AppError('invalid_state', 'that person has not asked to speak');
    t.requestedAt = null;
    this.track(t);
    return t;
  }

  invite(actor: MemberState, targetId: MemberId): Readonly<MemberState> {
    this.requireModerator(actor);
    const t = this.target(targetId);
    if (t.role !== 'listener') throw new AppError('invalid_state', 'that person is already on stage');
    if (!t.accountId) throw new AppError('invalid_state', 'guests cannot speak; they need to sign in');
    this.requireSpeakerSeat();
    t.invited = true;
    return t;
  }

  acceptInvite(actor: MemberState): void {
    if (!actor.invited) throw new AppError('invalid_state', 'you have no invitation to speak');
    this.requireSpeakerSeat();
    actor.invited = false;
    actor.requestedAt = null;
    actor.role = 'speaker';
    this.track(actor);
  }

  declineInvite(actor: MemberState): void {
    if (!actor.invited) throw new AppError('invalid_state', 'you have no invitation to speak');
    actor.invited = false;
  }

  toAudience(actor: MemberState, targetId: MemberId): Readonly<MemberState> {
    const t = this.target(targetId);
    if (t.id !== actor.id) {
      this.requireModerator(actor);
      this.requireOutranks(actor, t);
    } else if (t.role === 'host') {
      throw new AppError('invalid_state', 'the host stays on stage; hand the Space over or end it');
    }
    if (!onStageRole(t.role)) throw new AppError('invalid_state', 'that person is not on stage');
    t.role = 'listener';
    t.muted = false;
    t.speaking = false;
    this.track(t);
    return t;
  }

  mute(actor: MemberState, targetId: MemberId): Readonly<MemberState> {
    const t = this.target(targetId);
    if (t.id !== actor.id) {
      this.requireModerator(actor);
      this.requireOutranks(actor, t);
    }
    if (!onStageRole(t.role)) throw new AppError('invalid_state', 'only people on stage can be muted');
    t.muted = true;
    return t;
  }

  unmute(actor: MemberState): void {
    if (!onStageRole(actor.role)) throw new AppError('invalid_state', 'you are not on stage');
    actor.muted = false;
  }

  remove(actor: MemberState, targetId: MemberId): Readonly<MemberState> {
    const t = this.target(targetId);
    if (t.id === actor.id) throw new AppError('invalid_state', 'use leave to leave the Space');
    this.requireModerator(actor);
    this.requireOutranks(actor, t);
    this.drop(t);
    this.removed.add(t.id);
    return t;
  }

  addCohost(actor: MemberState, targetId: MemberId): Readonly<MemberState> {
    this.requireHost(actor);
    const t = this.target(targetId);
    if (!mayMakeCohost(actor.role, t.role)) throw new AppError('invalid_state', 'only a speaker on stage can become a co-host');
    if (this.count('cohost') >= LIMITS.cohosts) throw new AppError('stage_full', `a Space has at most ${LIMITS.cohosts} co-hosts`);
    t.role = 'cohost';
    return t;
  }

  removeCohost(actor: MemberState, targetId: MemberId): Readonly<MemberState> {
    this.requireHost(actor);
    const t = this.target(targetId);
    if (!mayUnmakeCohost(actor.role, t.role)) throw new AppError('invalid_state', 'that person is not a co-host');
    t.role = 'speaker';
    return t;
  }

  /** The host leaves and a co-host takes over the Space. */
  handOver(actor: MemberState, targetId: MemberId): Readonly<MemberState> {
    this.requireHost(actor);
    const t = this.target(targetId);
    if (t.role !== 'cohost') throw new AppError('invalid_state', 'the Space can only be handed to a co-host');
    if (!t.accountId) throw new AppError('invalid_state', 'the Space can only be handed to an account');
    t.role = 'host';
    this.hostAccountId = t.accountId;
    this.drop(actor);
    return t;
  }

  requireOnStage(actor: MemberState): void {
    if (!onStageRole(actor.role)) throw new AppError('forbidden', 'only the host, co-hosts and speakers may join the stage');
  }

  /** The accounts of the co-hosts now (with the host: who keeps the recordings after End). */
  cohostAccountIds(): string[] {
    return [...this.notable].filter((m) => m.role === 'cohost' && m.accountId).map((m) => m.accountId!);
  }

  /** Connected listeners: every member but the few notable ones, plus notable listeners who are present. */
  audienceCount(): number {
    let n = this.byId.size - this.notable.size;
    for (const m of this.notable) if (m.role === 'listener' && m.connections > 0) n++;
    return n;
  }

  /** Who must survive a server restart: everyone with a role or a pending request. */
  persistent(): MemberState[] {
    return [...this.notable].filter((m) => m.role !== 'listener' || m.requestedAt !== null);
  }

  /**
   * A page of the audience, most recent first, optionally only names or handles containing
   * `query` (case-insensitive). For moderators on request: big rooms never push the whole list.
   */
  audiencePage(query: string, offset: number, limit: number): { members: Member[]; total: number } {
    const q = query.trim().toLowerCase();
    // Insertion order is join order (newest last): keep only the newest offset+limit matches, so a
    // snapshot of a room of 10,000 does not copy the whole audience on every flush.
    const keep = offset + limit;
    let tail: MemberState[] = [];
    let total = 0;
    for (const m of this.byId.values()) {
      if (m.role !== 'listener') continue;
      if (q && !m.displayName.toLowerCase().includes(q) && !(m.handle ?? '').toLowerCase().includes(q)) continue;
      total++;
      tail.push(m);
      if (tail.length >= 2 * keep + 64) tail = tail.slice(-keep);
    }
    return { members: tail.slice(-keep).reverse().slice(offset, offset + limit).map(memberView), total };
  }

  self(m: MemberState): SelfState {
    return { spaceId: this.spaceId, memberId: m.id, role: m.role, requested: m.requestedAt !== null, invited: m.invited, muted: m.muted };
  }

  /**
   * The roster: the stage and producers for everyone; moderators also get the requests and the
   * newest `audienceLimit` listeners (the rest on request, `audiencePage`).
   */
  roster(forModerator: boolean, audienceLimit = ROSTER_AUDIENCE): Roster {
    const notable = [...this.notable];
    const rank: Record<Role, number> = { host: 0, cohost: 1, speaker: 2, producer: 3, listener: 4 };
    const stage = notable.filter((m) => onStageRole(m.role)).sort((a, b) => rank[a.role] - rank[b.role] || a.joinedAt - b.joinedAt);
    const audience = forModerator ? this.audiencePage('', 0, audienceLimit).members : [];
    const requests = forModerator
      ? notable.filter((m) => m.requestedAt !== null).sort((a, b) => a.requestedAt! - b.requestedAt!)
      : [];
    const producers = notable.filter((m) => m.role === 'producer').sort((a, b) => a.joinedAt - b.joinedAt);
    return { spaceId: this.spaceId, stage: stage.map(memberView), producers: producers.map(memberView), audience, requests: requests.map(memberView) };
  }
}
