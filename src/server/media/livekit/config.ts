import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where scripts/setup-livekit.sh puts LiveKit's server (`go install ...@v1.13.5`). */
export const PROJECT_LIVEKIT_BIN = resolve('.tools/livekit/server');

/** The LiveKit server binary to run: LIVEKIT_SERVER_BIN, else the project's build, else `livekit-server` on PATH. */
export function livekitBinary(configured?: string): string {
  if (configured) return configured;
  return existsSync(PROJECT_LIVEKIT_BIN) ? PROJECT_LIVEKIT_BIN : 'livekit-server';
}

/** A livekit-server the Space server runs itself (single node, or one node of a Redis cluster). */
export interface ManagedLiveKitOptions {
  /** Folder for its config and log. */
  dir: string;
  /** Address its signaling (HTTP/WebSocket) and media bind to, and the one it announces to clients (`rtc.node_ip`). */
  nodeIp: string;
  /** Signaling port (clients' WebSocket, the server API). */
  port: number;
  /** One UDP port for all media (ICE/UDP mux); TCP fallback on the next port. */
  rtcPort: number;
  /** Network interfaces media may use (comma-separated), like Janus' ice_enforce_list; empty = all. */
  interfaces: string;
  apiKey: string;
  apiSecret: string;
  /** Where LiveKit posts its webhooks (participant joined, ...), signed with the API key. */
  webhookUrl?: string;
  /** `host:port` of a Redis shared by the nodes of a cluster; unset = a single node. */
  redis?: string;
  /** Stable node name in logs. */
  name?: string;
}

/** A fresh key pair for a LiveKit run by this server (LiveKit wants secrets of 32 characters or more). */
export function newLiveKitKeys(): { apiKey: string; apiSecret: string } {
  return { apiKey: `spaces${randomBytes(6).toString('hex')}`, apiSecret: randomBytes(32).toString('hex') };
}

/** Writes livekit.yaml for one node; returns its path. JSON is valid YAML, so the file is JSON. */
export function writeLiveKitConfig(o: ManagedLiveKitOptions): string {
  mkdirSync(o.dir, { recursive: true });
  const ifaces = o.interfaces
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const config = {
    port: o.port,
    bind_addresses: [...new Set([o.nodeIp, '127.0.0.1'])],
    rtc: {
      udp_port: o.rtcPort,
      tcp_port: o.rtcPort + 1,
      node_ip: o.nodeIp,
      use_external_ip: false,
      ...(ifaces.length ? { interfaces: { includes: ifaces } } : {}),
    },
    keys: { [o.apiKey]: o.apiSecret },
    // Only rooms the Space server opened exist: a stale token for an ended Space cannot re-create one.
    room: { auto_create: false, empty_timeout: 300, departure_timeout: 20 },
    ...(o.webhookUrl ? { webhook: { api_key: o.apiKey, urls: [o.webhookUrl] } } : {}),
    ...(o.redis ? { redis: { address: o.redis } } : {}),
    logging: { level: 'warn', json: false },
  };
  const file = join(o.dir, 'livekit.yaml');
  writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return file;
}
