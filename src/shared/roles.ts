import { LIMITS, STAGE_ROLES, type MemberId, type Role } from './space.js';

/**
 * Who may do what in a Space: one set of pure predicates for the server's rules (room.ts), the
 * Studio's buttons (renderer people.ts) and the listener page. The server decides; clients use
 * the same answers only to keep buttons off the screen that would be refused.
 */

/** Host, co-hosts and speakers are heard (on the stage). */
export const isOnStageRole = (role: Role): boolean => STAGE_ROLES.includes(role);

/** In the audience: no role, heard by nobody. */
export const isListener = (role: Role): boolean => role === 'listener';

/** Staff run the show: the host, co-hosts and producers (request queue, moderation, cues, notes). */
export const isStaff = (role: Role): boolean => role === 'host' || role === 'cohost' || role === 'producer';

/** Moderating (approve/deny, invite, mute, move, remove) is a staff matter. */
export const mayModerate = isStaff;

/** Only the host ends the Space, adds or removes co-hosts and producers, publishes the soundboard. */
export const isHost = (role: Role): boolean => role === 'host';
export const mayEnd = isHost;
export const mayManageStaff = isHost;
export const mayPublishPads = isHost;
/** Only the host turns recording on or off, deletes it, or starts a Space early. */
export const mayRecord = isHost;

/** The host and co-hosts get a Space's recordings (the replay download, the speakers' tracks). */
export const mayReadRecordings = (role: Role): boolean => role === 'host' || role === 'cohost';

/** Speakers upload their own tracks (multitrack): whoever is on the stage. */
export const mayUploadTrack = isOnStageRole;

/** Who may save clips is the operator's choice (SPACES_CLIP_ROLES); `listener` means anyone in the Space. */
export const mayClip = (role: Role | null, clipRoles: readonly Role[]): boolean => clipRoles.includes('listener') || (!!role && clipRoles.includes(role));

/** Captions come from the host's or a co-host's Studio. */
export const mayCaption = (role: Role): boolean => role === 'host' || role === 'cohost';

/** Only accounts can speak; guests (`g_...`) can listen and react. */
export const isAccountMember = (id: MemberId): boolean => id.startsWith('a_');

/** Why `actor` may not act on `target` (null: they may): nobody acts on the host; on co-hosts and producers only the host. */
export function outranksProblem(actor: Role, target: Role): string | null {
  if (target === 'host') return 'nobody can do that to the host';
  if ((target === 'cohost' || target === 'producer') && actor !== 'host') return `only the host may do that to a ${target === 'cohost' ? 'co-host' : 'producer'}`;
  return null;
}

export const outranks = (actor: Role, target: Role): boolean => outranksProblem(actor, target) === null;

/** The host makes a speaker a co-host, and a co-host a speaker again. */
export const mayMakeCohost = (actor: Role, target: Role): boolean => mayManageStaff(actor) && target === 'speaker';
export const mayUnmakeCohost = (actor: Role, target: Role): boolean => mayManageStaff(actor) && target === 'cohost';

/** The host's joining the stage takes the Space live; everyone else on the stage just joins it. */
export const mayGoLive = isHost;

/** Speakers' Studios upload their takes to the host; the host's Studio keeps its own. */
export const uploadsTakes = (role: Role | undefined): boolean => !role || !isHost(role);

/** A role shown next to a name (listeners have none). */
export const showsRole = (role: Role): boolean => !isListener(role);

/** Free seats on the stage by the Space's limits, from who is on it. */
export function freeSeats(stage: readonly { role: Role }[]): { speakers: number; cohosts: number } {
  const count = (role: Role): number => stage.filter((m) => m.role === role).length;
  return { speakers: LIMITS.speakers - count('speaker'), cohosts: LIMITS.cohosts - count('cohost') };
}
