import { z } from 'zod';

/**
 * How clients reach the media server through NATs and firewalls: the ICE servers (STUN/TURN) the
 * Space server hands out. TURN credentials are short-lived (the TURN REST API scheme coturn
 * implements: username `expiry:user`, password HMAC-SHA1 of it with a secret only the Space
 * server and coturn know), so none is ever baked into a page or an app.
 */
export const IceServer = z
  .object({
    urls: z.array(z.string().regex(/^(stun|turn|turns):[^\s]{1,200}$/, 'a stun:, turn: or turns: URL')).min(1).max(8),
    username: z.string().max(256).optional(),
    credential: z.string().max(256).optional(),
  })
  .strict();
export type IceServer = z.infer<typeof IceServer>;

export const IceConfig = z
  .object({
    iceServers: z.array(IceServer).max(8),
    /** Seconds the credentials stay valid from now; 0 when there is no TURN server. */
    ttlSeconds: z.number().int().min(0),
  })
  .strict();
export type IceConfig = z.infer<typeof IceConfig>;

const none = z.object({}).strict();

/** Signaling: anyone connected (guests too: an anonymous listener needs a relay as much). */
export const iceRequests = {
  'ice.servers': { params: none, result: IceConfig },
} as const;

/** IPC: the Studio renderer asks its main process, which asks the connected Space server. */
export const iceIpcCalls = {
  getIceServers: { channel: 'ice:servers', request: none, response: IceConfig },
} as const;

/**
 * The ICE configuration to use for a new peer connection: refetched when what we have runs out
 * within a minute (a TURN allocation made with expired credentials is refused).
 */
export function iceCache(fetchConfig: () => Promise<IceConfig>, now: () => number = Date.now): () => Promise<RTCIceServer[]> {
  let cached: { servers: RTCIceServer[]; until: number } | undefined;
  return async () => {
    if (cached && cached.until > now() + 60_000) return cached.servers;
    const config = await fetchConfig();
    cached = { servers: config.iceServers, until: config.ttlSeconds > 0 ? now() + config.ttlSeconds * 1000 : Number.POSITIVE_INFINITY };
    return cached.servers;
  };
}
