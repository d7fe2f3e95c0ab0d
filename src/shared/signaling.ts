import { z } from 'zod';
import { ErrorBody } from './errors.js';
import { AccountPublic, Handle, Password, Registration, SessionToken, SignedIn } from './account.js';
import { scheduleEvents, scheduleRequests } from './schedule.js';
import { transcriptEvents, transcriptRequests } from './transcript.js';
import { iceRequests } from './ice.js';
import { mediaRequests } from './mediaEngine.js';
import { multitrackRequests } from './multitrack.js';
import { recordingEvents, recordingRequests } from './recording.js';
import { reachRequests } from './reach.js';
import { podcastRequests } from './podcast.js';
import { analyticsRequests } from './analytics.js';
import { DisplayName, Member, MemberId, Reaction, Roster, Sdp, SelfState, SpaceId, SpacePublic, SpaceTitle } from './space.js';

/**
 * The protocol between clients (Studio main process, listener page) and the Space server,
 * over one WebSocket at /ws. Clients send requests with an id; the server answers each with
 * a `reply` or an `error` carrying the same id, and pushes events without an id.
 *
 * Identity is per connection: anonymous until `auth.*` signs it in. Every Space action is
 * authorized by the server from the connection's account and its role in that Space.
 */

/** Largest message the server accepts; larger ones are refused with `too_large`. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Most audience members one `audience.list` page carries. */
export const AUDIENCE_PAGE_MAX = 100;

/** Most Spaces one connection follows at once (each costs a pending snapshot); a newer one replaces the oldest. */
export const MAX_SPACES_PER_CONNECTION = 64;

/**
 * WebSocket close codes the server uses (4000-4999 are the application's). A client closed with
 * `slowConsumer` was not reading its messages; it may reconnect and will get a fresh snapshot.
 */
export const CLOSE_CODES = { slowConsumer: 4008 } as const;

const RequestId = z.string().min(1).max(64);
const none = z.object({}).strict();
const ok = z.object({});
const inSpace = z.object({ spaceId: SpaceId }).strict();
const onMember = z.object({ spaceId: SpaceId, memberId: MemberId }).strict();
/** A soundboard pad as staff see it (the clip stays on the host's machine). */
export const CuePad = z.object({ id: z.string().regex(/^p_[A-Za-z0-9_-]{12}$/), name: z.string().max(40), colour: z.string().max(16) }).strict();
export type CuePad = z.infer<typeof CuePad>;

/** Core request types; feature modules add theirs (see `requests`). */
const coreRequests = {
  // Accounts
  'auth.register': { params: Registration.strict(), result: SignedIn },
  'auth.signIn': { params: z.object({ handle: Handle, password: Password }).strict(), result: SignedIn },
  /** Signs this connection in with a token from an earlier sign-in. */
  'auth.resume': { params: z.object({ token: SessionToken }).strict(), result: SignedIn },
  /** Revokes the connection's session token everywhere. */
  'auth.signOut': { params: none, result: ok },
  'account.get': { params: z.object({ handle: Handle }).strict(), result: z.object({ account: AccountPublic, following: z.boolean() }) },
  'account.follow': { params: z.object({ handle: Handle }).strict(), result: z.object({ account: AccountPublic }) },
  'account.unfollow': { params: z.object({ handle: Handle }).strict(), result: z.object({ account: AccountPublic }) },

  // Spaces
  /** Signed-in accounts allowed by the hosting policy create Spaces; they are their host. */
  'space.create': { params: z.object({ title: SpaceTitle }).strict(), result: z.object({ space: SpacePublic }) },
  /** Subscribe to a Space's public state; `space.updated` events follow. No membership. */
  'space.watch': { params: inSpace, result: z.object({ space: SpacePublic }) },
  /** Enter the Space (as yourself if signed in, else as a guest with a display name). */
  'space.join': {
    params: z.object({ spaceId: SpaceId, displayName: DisplayName.optional() }).strict(),
    result: z.object({ space: SpacePublic, self: SelfState, roster: Roster }),
  },
  /** Leave; the host may hand the Space to a co-host, otherwise the host leaving ends it. */
  'space.leave': { params: z.object({ spaceId: SpaceId, handTo: MemberId.optional() }).strict(), result: ok },
  'space.end': { params: inSpace, result: z.object({ space: SpacePublic }) },

  // Stage audio (host, co-hosts and speakers only)
  /** Joins the stage's audio with an SDP offer; the host's first join makes the Space live. */
  'stage.join': { params: z.object({ spaceId: SpaceId, sdp: Sdp }).strict(), result: z.object({ sdp: Sdp }) },

  // Audience audio
  'listen.start': { params: inSpace, result: z.object({ sdp: Sdp }) },
  'listen.answer': { params: z.object({ spaceId: SpaceId, sdp: Sdp }).strict(), result: ok },
  'listen.stop': { params: inSpace, result: ok },

  // Speaking requests and invitations
  'request.raise': { params: inSpace, result: ok },
  'request.cancel': { params: inSpace, result: ok },
  'request.approve': { params: onMember, result: ok },
  'request.deny': { params: onMember, result: ok },
  'invite.send': { params: onMember, result: ok },
  'invite.accept': { params: inSpace, result: ok },
  'invite.decline': { params: inSpace, result: ok },

  // Moderation
  /** Back to the audience (a moderator for anyone below them, or a speaker for themselves). */
  'stage.toAudience': { params: onMember, result: ok },
  /** Server-enforced mute; the member may unmute themselves. */
  'member.mute': { params: onMember, result: ok },
  'member.unmute': { params: inSpace, result: ok },
  /** Removes someone from the Space for good: they cannot rejoin it. */
  'member.remove': { params: onMember, result: ok },
  'cohost.add': { params: onMember, result: ok },
  'cohost.remove': { params: onMember, result: ok },

  'reaction.send': { params: z.object({ spaceId: SpaceId, reaction: Reaction }).strict(), result: ok },
  /**
   * Staff page and search the audience (big rooms never push the whole list): newest first,
   * names or handles containing `query`.
   */
  'audience.list': {
    params: z
      .object({
        spaceId: SpaceId,
        query: z.string().max(60).default(''),
        offset: z.number().int().min(0).max(1_000_000).default(0),
        limit: z.number().int().min(1).max(AUDIENCE_PAGE_MAX).default(50),
      })
      .strict(),
    result: z.object({ members: z.array(Member), total: z.number().int().nonnegative(), offset: z.number().int().nonnegative() }),
  },

  // Running the show from a second machine (host, co-hosts, producers: "staff")
  /** Host only: someone in the audience becomes a producer (off stage, manages the queue). */
  'producer.add': { params: onMember, result: ok },
  'producer.remove': { params: onMember, result: ok },
  /** The host's Studio publishes its soundboard pads so staff can cue them. */
  'staff.pads': { params: z.object({ spaceId: SpaceId, pads: z.array(CuePad).max(128) }).strict(), result: ok },
  /** Staff ask the host's Studio to play one of its pads on air. */
  'staff.cue': { params: z.object({ spaceId: SpaceId, padId: CuePad.shape.id }).strict(), result: ok },
  /** A private note between staff; listeners never see it. */
  'staff.note': { params: z.object({ spaceId: SpaceId, text: z.string().trim().min(1).max(500) }).strict(), result: ok },
} as const;

/** Each request type: its parameters and the result the server replies with. */
export const requests = { ...coreRequests, ...scheduleRequests, ...transcriptRequests, ...iceRequests, ...mediaRequests, ...multitrackRequests, ...recordingRequests, ...podcastRequests, ...analyticsRequests, ...reachRequests } as const;
export type CoreRequestType = keyof typeof coreRequests;
export type RequestType = keyof typeof requests;
export type RequestParams<T extends RequestType> = z.infer<(typeof requests)[T]['params']>;
export type RequestResult<T extends RequestType> = z.infer<(typeof requests)[T]['result']>;
export const requestTypes = Object.keys(requests) as RequestType[];

/** The envelope of every client message; the params are checked against `requests[type]`. */
export const ClientEnvelope = z.object({
  id: RequestId,
  type: z.string().max(64),
  params: z.unknown().optional(),
});

export const ServerEvent = z.discriminatedUnion('type', [
  ...scheduleEvents,
  ...transcriptEvents,
  ...recordingEvents,
  z.object({ type: z.literal('space.updated'), space: SpacePublic }),
  /** Sent to members of the Space when the stage, the audience or the requests change. */
  z.object({ type: z.literal('space.roster'), roster: Roster }),
  /** Sent to one member when their own role, request, invitation or mute changes. */
  z.object({ type: z.literal('space.self'), self: SelfState }),
  z.object({ type: z.literal('space.reaction'), spaceId: SpaceId, memberId: MemberId, displayName: z.string(), reaction: Reaction }),
  /** Reactions of a busy window, counted instead of sent one by one (big rooms, issue 11). */
  z.object({
    type: z.literal('space.reactions'),
    spaceId: SpaceId,
    counts: z.array(z.object({ reaction: Reaction, count: z.number().int().positive() })).max(32),
    windowMs: z.number().int().positive(),
  }),
  z.object({ type: z.literal('space.speaking'), spaceId: SpaceId, memberId: MemberId, speaking: z.boolean() }),
  /** Staff only: the host's pads, a cue to play (to the host's Studio), a private note. */
  z.object({ type: z.literal('staff.pads'), spaceId: SpaceId, pads: z.array(CuePad) }),
  z.object({ type: z.literal('staff.cue'), spaceId: SpaceId, padId: z.string(), from: z.string() }),
  z.object({ type: z.literal('staff.note'), spaceId: SpaceId, from: z.string(), text: z.string(), at: z.number().int() }),
  /** Sent to a member who was removed; they cannot rejoin. */
  z.object({ type: z.literal('space.removed'), spaceId: SpaceId, reason: z.string() }),
  /**
   * The media path changed (the media server restarted, or the member's role moved them between
   * stage and audience): the client negotiates again for what its role now allows.
   */
  z.object({ type: z.literal('media.reset'), spaceId: SpaceId, reason: z.string() }),
]);
export type ServerEvent = z.infer<typeof ServerEvent>;

export const ServerMessage = z.union([
  z.object({ type: z.literal('reply'), id: RequestId, result: z.unknown() }),
  z.object({ type: z.literal('error'), id: RequestId.nullable(), error: ErrorBody }),
  ServerEvent,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
