import { z } from 'zod';

/** A Space's id as it appears in links (/s/<id>). */
export const SpaceId = z.string().regex(/^[a-z0-9]{10}$/, 'a Space id is 10 lowercase letters or digits');
export type SpaceId = z.infer<typeof SpaceId>;

export const SpaceState = z.enum(['scheduled', 'live', 'ended']);
export type SpaceState = z.infer<typeof SpaceState>;

export const SpaceTitle = z.string().trim().min(1, 'a title is required').max(120, 'at most 120 characters');
export const DisplayName = z.string().trim().min(1, 'a name is required').max(60, 'at most 60 characters');

/** What anyone may know about a Space. */
export const SpacePublic = z.object({
  id: SpaceId,
  title: z.string(),
  hostName: z.string(),
  state: SpaceState,
  listenerCount: z.number().int().nonnegative(),
  createdAt: z.number().int(),
  startedAt: z.number().int().nullable(),
  endedAt: z.number().int().nullable(),
});
export type SpacePublic = z.infer<typeof SpacePublic>;

/** Session Description (SDP) as carried in signaling; bounded so one message stays small. */
export const Sdp = z.string().min(10).max(20_000);
