import { createHmac } from 'node:crypto';
import type { IceConfig } from '../../shared/ice.js';

/** The TURN relay(s) clients get credentials for: coturn with `use-auth-secret`. */
export interface TurnOptions {
  /** coturn's `static-auth-secret`. */
  secret: string;
  /** e.g. turn:turn.example.com:3478?transport=udp, turn:...?transport=tcp, turns:turn.example.com:443?transport=tcp */
  urls: string[];
  ttlSeconds: number;
  /** STUN URLs handed out without credentials (optional; TURN servers answer STUN too). */
  stunUrls?: string[];
}

/**
 * TURN REST API credentials (draft-uberti-behave-turn-rest, as coturn implements it): the username
 * is `<expiry unix time>:<user>`, the password base64(HMAC-SHA1(secret, username)). coturn checks
 * both without asking us, and refuses them after the expiry.
 */
export function turnCredentials(secret: string, user: string, ttlSeconds: number, nowMs = Date.now()): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${user.replace(/:/g, '_')}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** What a client gets from `ice.servers`: the TURN URLs with fresh credentials, or nothing to use. */
export function iceConfigFor(turn: TurnOptions | undefined, user: string, nowMs = Date.now()): IceConfig {
  if (!turn) return { iceServers: [], ttlSeconds: 0 };
  const servers: IceConfig['iceServers'] = [];
  if (turn.stunUrls?.length) servers.push({ urls: turn.stunUrls });
  if (turn.urls.length) servers.push({ urls: turn.urls, ...turnCredentials(turn.secret, user, turn.ttlSeconds, nowMs) });
  return { iceServers: servers, ttlSeconds: servers.length ? turn.ttlSeconds : 0 };
}

/**
 * The TURN user a connection's credentials name: the account's handle, or the connection's own id
 * for a guest. coturn counts its per-user allocation quota (`user-quota`) by this name (the part
 * after the expiry), so guests must not share one name: the quota would be shared by all of them.
 */
export function turnUser(participant: { id: string; identity: { handle: string | null } }): string {
  return participant.identity.handle ?? `guest-${participant.id}`;
}
