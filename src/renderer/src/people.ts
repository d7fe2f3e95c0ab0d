import type { Member, MemberId, Roster, SelfState } from '../../shared/space';
import { freeSeats, isAccountMember, isHost, mayMakeCohost, mayManageStaff, mayModerate, mayUnmakeCohost, outranks } from '../../shared/roles';

/**
 * What this Studio may do to each person in a Space, from its own role (SelfState). The server
 * decides in the end; these rules only keep buttons off the screen that would be refused.
 */
export type StageAction = 'unmute' | 'mute' | 'toAudience' | 'addCohost' | 'removeCohost' | 'remove';
export type AudienceAction = 'invite' | 'addProducer' | 'remove';
export type ProducerAction = 'removeProducer' | 'remove';

/** Host, co-hosts and producers run the queue and the stage (shared/roles.ts). */
export const isModerator = mayModerate;

/** Only accounts can speak; guests (`g_...`) can only listen. */
export const canSpeak = (id: MemberId): boolean => isAccountMember(id);

export function stageActions(me: SelfState | null, m: Member): StageAction[] {
  if (!me) return [];
  if (m.id === me.memberId) return me.muted ? ['unmute'] : [];
  if (!isModerator(me.role) || !outranks(me.role, m.role)) return [];
  const actions: StageAction[] = [];
  if (!m.muted) actions.push('mute');
  actions.push('toAudience');
  if (mayMakeCohost(me.role, m.role)) actions.push('addCohost');
  if (mayUnmakeCohost(me.role, m.role)) actions.push('removeCohost');
  actions.push('remove');
  return actions;
}

export function audienceActions(me: SelfState | null, m: Member): AudienceAction[] {
  if (!me || m.id === me.memberId || !isModerator(me.role)) return [];
  if (!canSpeak(m.id)) return ['remove'];
  return mayManageStaff(me.role) ? ['invite', 'addProducer', 'remove'] : ['invite', 'remove'];
}

export function producerActions(me: SelfState | null, m: Member): ProducerAction[] {
  return me && isHost(me.role) && m.id !== me.memberId ? ['removeProducer', 'remove'] : [];
}

export function mayAnswerRequests(me: SelfState | null): boolean {
  return !!me && isModerator(me.role);
}

/** Free seats on the stage, by the Space's limits. */
export function seats(roster: Roster): { speakers: number; cohosts: number } {
  return freeSeats(roster.stage);
}

/** Applies a speaking update to the roster (until the next roster replaces it). */
export function withSpeaking(roster: Roster | null, e: { spaceId: string; memberId: MemberId; speaking: boolean }): Roster | null {
  if (!roster || roster.spaceId !== e.spaceId) return roster;
  const changes = (m: Member): boolean => m.id === e.memberId && m.speaking !== e.speaking;
  if (!roster.stage.some(changes) && !roster.audience.some(changes)) return roster;
  const update = (list: Member[]): Member[] => list.map((m) => (changes(m) ? { ...m, speaking: e.speaking } : m));
  return { ...roster, stage: update(roster.stage), audience: update(roster.audience) };
}
