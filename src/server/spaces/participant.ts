import { randomBytes } from 'node:crypto';
import { newGuestKey, type Identity } from './room.js';
import type { Presence } from './presence.js';

/** A signaling connection as the Space service sees it. */
export interface Participant {
  readonly id: string;
  identity: Identity;
  /** The session token this connection signed in with (to revoke on sign-out). */
  token: string | null;
  readonly presence: Map<string, Presence>;
}

export function newParticipant(): Participant {
  return {
    id: randomBytes(8).toString('hex'),
    identity: guestIdentity(),
    token: null,
    presence: new Map(),
  };
}

export function guestIdentity(): Identity {
  return { accountId: null, handle: null, displayName: 'Guest', guestKey: newGuestKey() };
}
