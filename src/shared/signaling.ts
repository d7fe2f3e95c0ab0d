import { z } from 'zod';
import { ErrorBody } from './errors.js';
import { DisplayName, Sdp, SpaceId, SpacePublic, SpaceTitle } from './space.js';

/**
 * The protocol between clients (Studio main process, listener page) and the Space server,
 * over one WebSocket at /ws. Clients send requests with an id; the server answers each with
 * a `reply` or an `error` carrying the same id, and pushes events without an id.
 */

/** Largest message the server accepts; larger ones are refused with `too_large`. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export const HostToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'malformed host token');
const RequestId = z.string().min(1).max(64);

/** Each request type: its parameters and the result the server replies with. */
export const requests = {
  'space.create': {
    params: z.object({ title: SpaceTitle, hostName: DisplayName }),
    result: z.object({ space: SpacePublic, hostToken: HostToken }),
  },
  /** Subscribe to a Space's public state; `space.updated` events follow. */
  'space.watch': {
    params: z.object({ spaceId: SpaceId }),
    result: z.object({ space: SpacePublic }),
  },
  /** The host joins the stage with an SDP offer; the first join makes the Space live. */
  'stage.join': {
    params: z.object({ spaceId: SpaceId, hostToken: HostToken, sdp: Sdp }),
    result: z.object({ sdp: Sdp, space: SpacePublic }),
  },
  'space.end': {
    params: z.object({ spaceId: SpaceId, hostToken: HostToken }),
    result: z.object({ space: SpacePublic }),
  },
  /** A listener asks for the audience stream; the server answers with Janus' SDP offer. */
  'listen.start': {
    params: z.object({ spaceId: SpaceId }),
    result: z.object({ sdp: Sdp }),
  },
  'listen.answer': {
    params: z.object({ spaceId: SpaceId, sdp: Sdp }),
    result: z.object({}),
  },
  'listen.stop': {
    params: z.object({ spaceId: SpaceId }),
    result: z.object({}),
  },
} as const;

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
  z.object({ type: z.literal('space.updated'), space: SpacePublic }),
  /**
   * The media path of a Space was rebuilt (e.g. the media server restarted): clients must
   * negotiate again (the host re-joins the stage, listeners start listening again).
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
