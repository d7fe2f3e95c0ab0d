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
  hostHandle: z.string(),
  state: SpaceState,
  /** People in the Space's audience right now (not counting the stage). */
  listenerCount: z.number().int().nonnegative(),
  createdAt: z.number().int(),
  startedAt: z.number().int().nullable(),
  endedAt: z.number().int().nullable(),
});
export type SpacePublic = z.infer<typeof SpacePublic>;

/** Session Description (SDP) as carried in signaling; bounded so one message stays small. */
export const Sdp = z.string().min(10).max(20_000);

/** The rules of a Space (from the product we follow): 1 host, 2 co-hosts, 10 more speakers. */
export const LIMITS = { cohosts: 2, speakers: 10 } as const;

/** A producer runs the show from off stage: never heard, manages the queue like a co-host. */
export const Role = z.enum(['host', 'cohost', 'speaker', 'producer', 'listener']);
export type Role = z.infer<typeof Role>;
export const STAGE_ROLES: readonly Role[] = ['host', 'cohost', 'speaker'];

/** A member's public id: `a_<account id>` for accounts, `g_<random>` for anonymous guests. */
export const MemberId = z.string().regex(/^[ag]_[A-Za-z0-9_-]{6,40}$/, 'malformed member id');
export type MemberId = z.infer<typeof MemberId>;

export const Member = z.object({
  id: MemberId,
  displayName: z.string(),
  handle: z.string().nullable(),
  role: Role,
  /** Connected to the stage's audio right now. */
  onStage: z.boolean(),
  muted: z.boolean(),
  speaking: z.boolean(),
  /** Present (connected); the host may be away for a grace period. */
  present: z.boolean(),
});
export type Member = z.infer<typeof Member>;

/** The stage and the audience as everyone in the Space sees them. */
export const Roster = z.object({
  spaceId: SpaceId,
  stage: z.array(Member),
  /** Producers: off stage, not heard, running the show with the host. */
  producers: z.array(Member),
  /** Up to 100 of the audience, most recent first; the count is in SpacePublic. */
  audience: z.array(Member),
  /** Requests to speak in arrival order: sent only to the host and co-hosts, empty for others. */
  requests: z.array(Member),
});
export type Roster = z.infer<typeof Roster>;

/** What one member may know about themselves in a Space. */
export const SelfState = z.object({
  spaceId: SpaceId,
  memberId: MemberId,
  role: Role,
  requested: z.boolean(),
  invited: z.boolean(),
  muted: z.boolean(),
});
export type SelfState = z.infer<typeof SelfState>;

export const REACTIONS = ['💯', '👏', '😂', '❤️', '🙌', '😮', '👋'] as const;
export const Reaction = z.enum(REACTIONS);
export type Reaction = z.infer<typeof Reaction>;
