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


/** Speakers upload their own tracks (multitrack): whoever is on the stage. */
export const mayUploadTrack = isOnStageRole;


/** Captions come from the host's or a co-host's Studio. */
export const mayCaption = (role: Role): boolean => role === 'host' || role === 'cohost';

/** Who may save clips: a server setting (`SPACES_CLIP_ROLES`, default host and co-hosts); `listener` there means anyone. */
export const DEFAULT_CLIP_ROLES: readonly Role[] = ['host', 'cohost'];
export const mayClip = (role: Role | null, allowed: readonly Role[] = DEFAULT_CLIP_ROLES): boolean =>
  allowed.includes('listener') || (role !== null && allowed.includes(role));

/** The replay's files (M4A, FLAC) are for the host and co-hosts. */
export const mayDownloadRecording = (role: Role | null): boolean => role === 'host' || role === 'cohost';
/** The same people get the speakers' tracks (multitrack): one rule for everything recorded. */
export const mayReadRecordings = mayDownloadRecording;

/**
 * A person's role in an ended Space, from the staff it ended with (owner first, then co-hosts):
 * the rules above then apply to its replay as they did live.
 */
export const roleAfterEnd = (accountId: string | null, staffAccountIds: readonly string[]): Role | null =>
  !accountId ? null : staffAccountIds[0] === accountId ? 'host' : staffAccountIds.slice(1).includes(accountId) ? 'cohost' : 'listener';

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
