import type { MemberId } from '../../shared/space.js';
import type { ListenPeer, StagePeer } from '../media/port.js';
import type { Participant } from './participant.js';

/** One connection's presence in one Space, and its media there. */
export interface Presence {
  memberId: MemberId;
  stage?: StagePeer;
  listen?: { peer: ListenPeer; answered: boolean };
}

/**
 * Who is connected to which Space, indexed so that finding a member's connections or a media
 * peer's owner costs the same with 10 or 10,000 people in the room (issue 11).
 */
export class PresenceIndex {
  private readonly bySpace = new Map<string, Map<MemberId, Set<Participant>>>();
  private readonly byPeer = new Map<StagePeer | ListenPeer, { p: Participant; spaceId: string }>();

  /** `onListenEnd`: an answered listen peer was dropped, whatever the path (analytics, issue 22). */
  constructor(private readonly onListenEnd: (p: Participant, spaceId: string) => void = () => undefined) {}

  add(p: Participant, spaceId: string, memberId: MemberId): Presence {
    const presence: Presence = { memberId };
    p.presence.set(spaceId, presence);
    let members = this.bySpace.get(spaceId);
    if (!members) this.bySpace.set(spaceId, (members = new Map()));
    let conns = members.get(memberId);
    if (!conns) members.set(memberId, (conns = new Set()));
    conns.add(p);
    return presence;
  }

  /** Forgets the connection's presence in the Space; returns it (its peers are the caller's to `unbind` and close). */
  remove(p: Participant, spaceId: string): Presence | undefined {
    const presence = p.presence.get(spaceId);
    if (!presence) return undefined;
    p.presence.delete(spaceId);
    const members = this.bySpace.get(spaceId);
    const conns = members?.get(presence.memberId);
    conns?.delete(p);
    if (conns?.size === 0) members!.delete(presence.memberId);
    if (members?.size === 0) this.bySpace.delete(spaceId);
    return presence;
  }

  connectionsOf(spaceId: string, memberId: MemberId): Participant[] {
    return [...(this.bySpace.get(spaceId)?.get(memberId) ?? [])];
  }

  /** Every connection in the Space, grouped by member. */
  members(spaceId: string): Iterable<[MemberId, Set<Participant>]> {
    return this.bySpace.get(spaceId) ?? new Map();
  }

  everyone(spaceId: string): Participant[] {
    const out: Participant[] = [];
    for (const conns of this.bySpace.get(spaceId)?.values() ?? []) out.push(...conns);
    return out;
  }

  setStage(presence: Presence, p: Participant, spaceId: string, peer: StagePeer | undefined): void {
    if (presence.stage) this.byPeer.delete(presence.stage);
    presence.stage = peer;
    if (peer) this.byPeer.set(peer, { p, spaceId });
  }

  setListen(presence: Presence, p: Participant, spaceId: string, peer: ListenPeer | undefined): void {
    if (presence.listen) {
      this.byPeer.delete(presence.listen.peer);
      if (presence.listen.answered) this.onListenEnd(p, spaceId);
    }
    presence.listen = peer ? { peer, answered: false } : undefined;
    if (peer) this.byPeer.set(peer, { p, spaceId });
  }

  /** The connection a media peer belongs to (talk events and lost media name peers). */
  ownerOf(peer: StagePeer | ListenPeer): { p: Participant; spaceId: string; presence: Presence } | null {
    const owner = this.byPeer.get(peer);
    const presence = owner?.p.presence.get(owner.spaceId);
    return owner && presence ? { ...owner, presence } : null;
  }

  /** Unlinks the presence's peers; returns them to close. */
  unbind(presence: Presence): (StagePeer | ListenPeer)[] {
    const peers = [presence.stage, presence.listen?.peer].filter((x): x is StagePeer | ListenPeer => !!x);
    const listenOwner = presence.listen?.answered ? this.byPeer.get(presence.listen.peer) : undefined;
    if (listenOwner) this.onListenEnd(listenOwner.p, listenOwner.spaceId);
    for (const peer of peers) this.byPeer.delete(peer);
    presence.stage = undefined;
    presence.listen = undefined;
    return peers;
  }
}
