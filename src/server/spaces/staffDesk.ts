import { AppError } from '../../shared/errors.js';
import type { CuePad } from '../../shared/signaling.js';
import type { Notifier } from './notifier.js';
import type { Participant } from './participant.js';

/**
 * Running the show from a second machine (issue 8): the host's published pads, cues to the host's
 * Studio, private notes. Who may do what is decided by the caller (the Space service, via Room).
 */
export class StaffDesk {
  private readonly pads = new Map<string, CuePad[]>();

  constructor(
    private readonly notifier: Notifier,
    private readonly now: () => number,
  ) {}

  publish(spaceId: string, pads: CuePad[], staff: Participant[]): void {
    this.pads.set(spaceId, pads);
    for (const q of staff) this.sendPads(q, spaceId);
  }

  sendPads(p: Participant, spaceId: string): void {
    const pads = this.pads.get(spaceId);
    if (pads) this.notifier.toParticipant(p, { type: 'staff.pads', spaceId, pads });
  }

  cue(spaceId: string, padId: string, from: string, hostConnections: Participant[]): void {
    if (!(this.pads.get(spaceId) ?? []).some((pad) => pad.id === padId)) throw new AppError('not_found', 'the host has no such pad');
    if (hostConnections.length === 0) throw new AppError('invalid_state', "the host's Studio is not connected");
    for (const q of hostConnections) this.notifier.toParticipant(q, { type: 'staff.cue', spaceId, padId, from });
  }

  note(spaceId: string, from: string, text: string, staff: Participant[]): void {
    const event = { type: 'staff.note' as const, spaceId, from, text, at: this.now() };
    for (const q of staff) this.notifier.toParticipant(q, event);
  }

  forget(spaceId: string): void {
    this.pads.delete(spaceId);
  }
}
