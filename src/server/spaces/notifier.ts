import type { ServerEvent } from '../../shared/signaling.js';
import type { Participant } from './participant.js';

/**
 * A Space's state for its subscribers, serialized once per flush and shared by every connection
 * (issue 11): a connection only picks which of these texts to send.
 */
export interface SpaceSnapshot {
  spaceId: string;
  /** `space.updated` (title, state, counts): for everyone following the Space. */
  update: string;
  /** `space.roster` without the queue or the audience: for everyone; null when it did not change. */
  publicRoster: string | null;
  /** `space.roster` with the queue and the newest listeners: for moderators; null when unchanged. */
  moderatorRoster: string | null;
  isModerator(p: Participant): boolean;
}

/** How the Space service reaches clients; implemented by the client hub (signaling layer). */
export interface Notifier {
  /** Everyone following the Space. `droppable` events may be skipped for a connection that is behind. */
  toSpace(spaceId: string, event: ServerEvent, opts?: { droppable?: boolean }): void;
  toParticipant(p: Participant, event: ServerEvent): void;
  snapshot(s: SpaceSnapshot): void;
  /** Connections following the Space (to pace snapshots and reactions by audience size). */
  subscribers(spaceId: string): number;
}
