import { join } from 'node:path';
import { livekitBinary, newLiveKitKeys } from './config.js';
import { LiveKitMedia, type LiveKitNode } from './port.js';
import { LiveKitSupervisor } from './supervisor.js';
import { WebhookInbox } from './webhooks.js';

/** What the Space server needs to run on LiveKit (from the environment, see ServerConfig). */
export interface LiveKitEngineConfig {
  dataDir: string;
  /** An external LiveKit (LiveKit Cloud, a cluster): its client URL; unset = the server runs its own. */
  url?: string;
  apiKey?: string;
  apiSecret?: string;
  binary?: string;
  /** The address the own LiveKit binds to and announces (`rtc.node_ip`). */
  nodeIp: string;
  port: number;
  rtcPort: number;
  interfaces: string;
  /** Redis (`host:port`) shared with other LiveKit nodes; unset = a single node. */
  redis?: string;
  /** More LiveKit nodes of the same cluster (their client URLs), besides the own or external one. */
  extraNodes: string[];
  tokenTtlSeconds: number;
  cap: number;
}

export interface LiveKitEngine {
  media: LiveKitMedia;
  /** The server's own livekit-server, when it runs one. */
  supervisor?: LiveKitSupervisor;
  /** Client-facing URLs (for the listener page's Content-Security-Policy). */
  origins: string[];
  /** The API key pair (server side only: operators, tests). */
  keys: { apiKey: string; apiSecret: string };
  stop(): Promise<void>;
}

const httpOf = (ws: string): string => ws.replace(/^ws/, 'http');

/** Starts the LiveKit engine: the server's own livekit-server (or an external one), webhooks, the media port. */
export async function startLiveKitEngine(c: LiveKitEngineConfig): Promise<LiveKitEngine> {
  if (c.url && (!c.apiKey || !c.apiSecret)) throw new Error('LIVEKIT_URL needs LIVEKIT_API_KEY and LIVEKIT_API_SECRET');
  const keys = c.url ? { apiKey: c.apiKey!, apiSecret: c.apiSecret! } : c.apiKey && c.apiSecret ? { apiKey: c.apiKey, apiSecret: c.apiSecret } : newLiveKitKeys();
  let media: LiveKitMedia | undefined;
  const inbox = new WebhookInbox(keys.apiKey, keys.apiSecret, (e) => media?.onWebhook(e));
  // Our own livekit-server runs on this machine and posts to loopback; nothing else can reach the
  // inbox (an external LiveKit's webhooks are the operator's to point at the server, docs/deploy.md).
  const webhookUrl = await inbox.listen('127.0.0.1');
  let supervisor: LiveKitSupervisor | undefined;
  if (!c.url) {
    supervisor = new LiveKitSupervisor(
      { dir: join(c.dataDir, 'livekit'), nodeIp: c.nodeIp, port: c.port, rtcPort: c.rtcPort, interfaces: c.interfaces, ...keys, webhookUrl, redis: c.redis },
      livekitBinary(c.binary),
    );
    supervisor.on('error', (err: Error) => console.error(`[livekit] ${err.message}`));
    supervisor.start();
  }
  const first: LiveKitNode = supervisor
    ? { id: 'local', httpUrl: supervisor.httpUrl, wsUrl: supervisor.wsUrl }
    : { id: c.url!, httpUrl: httpOf(c.url!), wsUrl: c.url! };
  const nodes = [first, ...c.extraNodes.map((u) => ({ id: u, httpUrl: httpOf(u), wsUrl: u }))];
  // The caller starts it (`media.start`) and stops the engine if that fails.
  media = new LiveKitMedia({ nodes, ...keys, tokenTtlSeconds: c.tokenTtlSeconds, cap: c.cap });
  // It restarts faster than a health poll may notice: its rooms are gone all the same.
  supervisor?.on('exit', () => media!.nodeExited('local'));
  const stop = async (): Promise<void> => {
    media!.stop();
    inbox.close();
    await supervisor?.stop();
  };
  return { media, supervisor, keys, origins: nodes.map((n) => new URL(n.wsUrl).origin), stop };
}
