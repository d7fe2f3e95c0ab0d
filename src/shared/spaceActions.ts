import { z } from 'zod';
import { requests } from './signaling.js';

/**
 * Space actions the Studio relays to the Space server as they are: one generic IPC call
 * (`spaceAction`), validated against the signaling contract's own parameter schemas, instead of
 * one hand-written IPC call and StudioService method per action. The server authorizes each.
 */
export const SPACE_ACTIONS = [
  'request.approve',
  'request.deny',
  'invite.send',
  'invite.accept',
  'invite.decline',
  'stage.toAudience',
  'member.mute',
  'member.unmute',
  'member.remove',
  'cohost.add',
  'cohost.remove',
  'producer.add',
  'producer.remove',
  'reaction.send',
  'staff.pads',
  'staff.cue',
  'staff.note',
] as const satisfies readonly (keyof typeof requests)[];
export type SpaceActionType = (typeof SPACE_ACTIONS)[number];

export type SpaceAction = { [T in SpaceActionType]: { type: T; params: z.input<(typeof requests)[T]['params']> } }[SpaceActionType];

const variants = SPACE_ACTIONS.map((type) => z.object({ type: z.literal(type), params: requests[type].params }).strict());
/** `{ type, params }` for one of SPACE_ACTIONS, params checked by that request's schema. */
export const SpaceAction = z.discriminatedUnion('type', variants as unknown as [(typeof variants)[number], ...(typeof variants)[number][]]) as unknown as z.ZodType<SpaceAction, SpaceAction>;
