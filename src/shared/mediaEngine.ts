import { z } from 'zod';
import { SpaceId } from './space.js';

/**
 * Which media engine a Space server runs (issue 20) and how a client reaches it.
 *
 * - `janus`: the client negotiates SDP through the Space server (`stage.join`, `listen.start` /
 *   `listen.answer`); it never talks to Janus' API.
 * - `livekit`: the client connects to the LiveKit server named by `url` with `token`, a short-lived
 *   access token the Space server minted for this person and role (listeners: subscribe only,
 *   hidden; stage members: publish their microphone only). The API secret never leaves the server.
 *
 * `media.connect` tells a client which of the two it is; on Janus it does nothing else.
 */
export const MediaEngine = z.enum(['janus', 'livekit']);
export type MediaEngine = z.infer<typeof MediaEngine>;

export const MediaGrant = z
  .object({
    /** The LiveKit server's WebSocket URL (ws:// or wss://). */
    url: z.string().regex(/^wss?:\/\/[^\s]{1,300}$/, 'a ws:// or wss:// URL'),
    /** A LiveKit access token (JWT) for one connection; it expires within a minute if unused. */
    token: z.string().min(16).max(4096),
    /** The participant identity the token names (one per connection). */
    identity: z.string().min(1).max(128),
  })
  .strict();
export type MediaGrant = z.infer<typeof MediaGrant>;

export const MediaConnect = z.discriminatedUnion('engine', [
  z.object({ engine: z.literal('janus') }).strict(),
  z.object({ engine: z.literal('livekit'), grant: MediaGrant }).strict(),
]);
export type MediaConnect = z.infer<typeof MediaConnect>;

/** Signaling: `as: 'stage'` for the host, co-hosts and speakers; `listen` for anyone in the Space. */
export const mediaRequests = {
  'media.connect': {
    params: z.object({ spaceId: SpaceId, as: z.enum(['stage', 'listen']) }).strict(),
    result: MediaConnect,
  },
} as const;

/** IPC: the Studio renderer asks its main process, which asks the connected Space server. */
export const mediaIpcCalls = {
  connectMedia: {
    channel: 'media:connect',
    request: z.object({ spaceId: SpaceId, as: z.enum(['stage', 'listen']) }).strict(),
    response: MediaConnect,
  },
} as const;
