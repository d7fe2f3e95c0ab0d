import { randomBytes } from 'node:crypto';
import { AppError } from '../shared/errors.js';
import { LIMITS, STAGE_ROLES, type Member, type MemberId, type Role, type Roster, type SelfState } from '../shared/space.js';

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

export function memberIdOf(who: Identity): MemberId {
  return who.accountId ? `a_${who.accountId}` : `g_${who.guestKey}`;
}

export function newGuestKey(): string {
  return randomBytes(9).toString('base64url');
}

const isModerator = (m: MemberState): boolean => m.role === 'host' || m.role === 'cohost';
const onStageRole = (r: Role): boolean => STAGE_ROLES.includes(r);

/**
 * The people in one Space and the rules between them: roles, seats, requests, invitations,
 * mutes, removals. Pure state and authorization; no I/O. Every method either changes the state
 * as the rules allow or throws a typed AppError and changes nothing.
 */
export class Room {
  readonly members = new Map<MemberId, MemberState>();
  private readonly removed: Set<string>;

  constructor(
    readonly spaceId: string,
    public hostAccountId: string,
    removed: Iterable<string> = [],
    private readonly now: () => number = Date.now,
  ) {
    this.removed = new Set(removed);
  }

  get host(): MemberState | undefined {
    return this.members.get(`a_${this.hostAccountId}`);
  }

  isRemoved(id: MemberId): boolean {
    return this.removed.has(id);
  }

  /** Enters the Space (again). The host's account always gets the host role back. */
  join(who: Identity): MemberState {
    const id = memberIdOf(who);
    if (this.removed.has(id)) throw new AppError('forbidden', 'you were removed from this Space and cannot rejoin it');
    let m = this.members.get(id);
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
      this.members.set(id, m);
    }
    m.connections++;
    return m;
  }

  /** A connection of this member went away; returns true if the member is now gone. */
  disconnect(id: MemberId): boolean {
    const m = this.members.get(id);
    if (!m) return false;
    m.connections = Math.max(0, m.connections - 1);
    if (m.connections > 0) return false;
    // The host stays (away) for the grace period; everyone else leaves.
    if (m.role === 'host') return false;
    this.members.delete(id);
    return true;
  }

  leave(id: MemberId): void {
    const m = this.members.get(id);
    if (m && m.role !== 'host') this.members.delete(id);
  }

  member(id: MemberId): MemberState {
    const m = this.members.get(id);
    if (!m) throw new AppError('forbidden', 'join the Space first');
    return m;
  }

  /** The target of a moderation action; not being in the Space is `not_found`. */
  private target(id: MemberId): MemberState {
    const m = this.members.get(id);
    if (!m) throw new AppError('not_found', 'that person is not in this Space');
    return m;
  }

  private count(role: Role): number {
    let n = 0;
    for (const m of this.members.values()) if (m.role === role) n++;
    return n;
  }

  private requireModerator(actor: MemberState): void {
    if (!isModerator(actor)) throw new AppError('forbidden', 'only the host and co-hosts may do that');
  }

  private requireHost(actor: MemberState): void {
    if (actor.role !== 'host') throw new AppError('forbidden', 'only the host may do that');
  }

  /** Co-hosts manage speakers and listeners, never the host or other co-hosts. */
  private requireOutranks(actor: MemberState, target: MemberState): void {
    if (target.role === 'host' || (target.role === 'cohost' && actor.role !== 'host')) {
      throw new AppError('forbidden', target.role === 'host' ? 'nobody can do that to the host' : 'only the host may do that to a co-host');
    }
  }

  private requireSpeakerSeat(): void {
    if (this.count('speaker') >= LIMITS.speakers) throw new AppError('stage_full', `the stage is full (${LIMITS.speakers} speakers)`);
  }

  raiseRequest(actor: MemberState): void {
    if (actor.role !== 'listener') throw new AppError('invalid_state', 'you are already on stage');
    if (!actor.accountId) throw new AppError('unauthenticated', 'sign in to request to speak');
    if (actor.requestedAt !== null) throw new AppError('invalid_state', 'you have already asked to speak');
    actor.requestedAt = this.now();
  }

  cancelRequest(actor: MemberState): void {
    if (actor.requestedAt === null) throw new AppError('invalid_state', 'you have not asked to speak');
    actor.requestedAt = null;
  }

  approve(actor: MemberState, targetId: MemberId): MemberState {
    this.requireModerator(actor);
    const t = this.target(targetId);
    if (t.requestedAt === null) throw new AppError('invalid_state', 'that person has not asked to speak');
    this.requireSpeakerSeat();
    t.requestedAt = null;
    t.invited = false;
    t.role = 'speaker';
    return t;
  }

  deny(actor: MemberState, targetId: MemberId): MemberState {
    this.requireModerator(actor);
    const t = this.target(targetId);
    if (t.requestedAt === null) throw new AppError('invalid_state', 'that person has not asked to speak');
    t.requestedAt = null;
    return t;
  }

  invite(actor: MemberState, targetId: MemberId): MemberState {
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
  }

  declineInvite(actor: MemberState): void {
    if (!actor.invited) throw new AppError('invalid_state', 'you have no invitation to speak');
    actor.invited = false;
  }

  toAudience(actor: MemberState, targetId: MemberId): MemberState {
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
    return t;
  }

  mute(actor: MemberState, targetId: MemberId): MemberState {
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

  remove(actor: MemberState, targetId: MemberId): MemberState {
    const t = this.target(targetId);
    if (t.id === actor.id) throw new AppError('invalid_state', 'use leave to leave the Space');
    this.requireModerator(actor);
    this.requireOutranks(actor, t);
    this.members.delete(t.id);
    this.removed.add(t.id);
    return t;
  }

  addCohost(actor: MemberState, targetId: MemberId): MemberState {
    this.requireHost(actor);
    const t = this.target(targetId);
    if (t.role !== 'speaker') throw new AppError('invalid_state', 'only a speaker on stage can become a co-host');
    if (this.count('cohost') >= LIMITS.cohosts) throw new AppError('stage_full', `a Space has at most ${LIMITS.cohosts} co-hosts`);
    t.role = 'cohost';
    return t;
  }

  removeCohost(actor: MemberState, targetId: MemberId): MemberState {
    this.requireHost(actor);
    const t = this.target(targetId);
    if (t.role !== 'cohost') throw new AppError('invalid_state', 'that person is not a co-host');
    t.role = 'speaker';
    return t;
  }

  /** The host leaves and a co-host takes over the Space. */
  handOver(actor: MemberState, targetId: MemberId): MemberState {
    this.requireHost(actor);
    const t = this.target(targetId);
    if (t.role !== 'cohost') throw new AppError('invalid_state', 'the Space can only be handed to a co-host');
    if (!t.accountId) throw new AppError('invalid_state', 'the Space can only be handed to an account');
    t.role = 'host';
    this.hostAccountId = t.accountId;
    this.members.delete(actor.id);
    return t;
  }

  requireOnStage(actor: MemberState): void {
    if (!onStageRole(actor.role)) throw new AppError('forbidden', 'only the host, co-hosts and speakers may join the stage');
  }

  audienceCount(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.role === 'listener' && m.connections > 0) n++;
    return n;
  }

  self(m: MemberState): SelfState {
    return { spaceId: this.spaceId, memberId: m.id, role: m.role, requested: m.requestedAt !== null, invited: m.invited, muted: m.muted };
  }

  /** The roster; requests are included only for moderators. */
  roster(forModerator: boolean): Roster {
    const view = (m: MemberState): Member => ({
      id: m.id,
      displayName: m.displayName,
      handle: m.handle,
      role: m.role,
      onStage: m.onStage,
      muted: m.muted,
      speaking: m.speaking,
      present: m.connections > 0,
    });
    const all = [...this.members.values()];
    const rank: Record<Role, number> = { host: 0, cohost: 1, speaker: 2, listener: 3 };
    const stage = all.filter((m) => onStageRole(m.role)).sort((a, b) => rank[a.role] - rank[b.role] || a.joinedAt - b.joinedAt);
    const audience = all.filter((m) => m.role === 'listener').sort((a, b) => b.joinedAt - a.joinedAt).slice(0, 100);
    const requests = forModerator
      ? all.filter((m) => m.requestedAt !== null).sort((a, b) => a.requestedAt! - b.requestedAt!)
      : [];
    return { spaceId: this.spaceId, stage: stage.map(view), audience: audience.map(view), requests: requests.map(view) };
  }
}
