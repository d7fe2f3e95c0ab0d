import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { HostingPolicy } from '../shared/account.js';
import { Role } from '../shared/space.js';
import type { TurnOptions } from './ice/service.js';
import { LOG_LEVELS } from './operator/logging.js';

const Port = z.coerce.number().int().min(0).max(65535);
const PortRange = z.string().regex(/^\d+-\d+$/, 'a port range looks like 20000-29999');

/** The Space server's configuration, read from the environment (see README, "Configuration"). */
export const ServerConfig = z.object({
  host: z.string().default('127.0.0.1'),
  port: Port.default(8080),
  dataDir: z.string().default('.data/server'),
  /** Address the page links use; defaults to http://host:port. */
  publicUrl: z.url().optional(),
  /** The media engine (issue 20): `janus` (default) or `livekit`. */
  media: z.enum(['janus', 'livekit']).default('janus'),
  /** LiveKit: an external server's client URL (ws:// or wss://); unset = the server runs its own livekit-server. */
  livekitUrl: z.string().regex(/^wss?:\/\/\S+$/, 'LIVEKIT_URL is a ws:// or wss:// URL').optional(),
  livekitApiKey: z.string().optional(),
  livekitApiSecret: z.string().min(32, 'LiveKit API secrets have at least 32 characters').optional(),
  /** The livekit-server binary (default: .tools/livekit/server from scripts/setup-livekit.sh, else livekit-server on PATH). */
  livekitBinary: z.string().optional(),
  /** The own livekit-server's address (bound and announced to clients as rtc.node_ip); default 127.0.0.1. */
  livekitNodeIp: z.string().optional(),
  livekitPort: Port.default(7880),
  /** One UDP port for all of the own livekit-server's media (and the next one for ICE/TCP). */
  livekitRtcPort: Port.default(7882),
  /** Interfaces LiveKit media may use (like JANUS_ICE_ENFORCE_LIST); empty = all. */
  livekitInterfaces: z.string().default(''),
  /** Redis (host:port) shared by LiveKit nodes (multi-node); unset = one node. */
  livekitRedis: z.string().optional(),
  /** More LiveKit nodes of the same cluster (client URLs, comma-separated), used when the first is down. */
  livekitNodes: z.string().default(''),
  /** Seconds an unused LiveKit access token stays valid. */
  livekitTokenTtlSeconds: z.coerce.number().int().min(10).max(3600).default(60),
  /** Set to use an external Janus (its WebSocket API URL); unset = the server runs its own. */
  janusUrl: z.string().optional(),
  janusWsPort: Port.default(8188),
  /** Where the Janus API listens (loopback; a Janus node of its own: a private address, with JANUS_API_SECRET). */
  janusWsHost: z.string().default('127.0.0.1'),
  janusBinary: z.string().default('janus'),
  /** Janus' ice_enforce_list: the interfaces/addresses media may use. */
  janusIceEnforceList: z.string().default(''),
  janusRtpPortRange: PortRange.default('20000-29999'),
  janusApiSecret: z.string().optional(),
  janusAdminKey: z.string().optional(),
  /** UDP ports for Streaming mountpoints on each node (one per Space with listeners on that node). */
  forwardPortRange: PortRange.default('30000-30999'),
  /** The server's own Janus' address for plain RTP (its mountpoints listen there; other nodes must reach it). */
  forwardHost: z.string().default('127.0.0.1'),
  /** Janus' event_loops for the Janus the server runs (0 = a thread per PeerConnection). */
  /** Streaming mountpoint helper threads (Janus `threads`); 0 = none (measured: no gain for audio). */
  janusMountpointThreads: z.coerce.number().int().min(0).max(64).default(0),
  janusEventLoops: z.coerce.number().int().min(0).max(64).default(Math.max(1, Math.min(availableParallelism(), 8))),
  /**
   * External media nodes for listeners: `<Janus WebSocket URL>#<its RTP address>`, comma-separated
   * (the address defaults to the URL's host). Example: `ws://10.0.0.2:8188#10.0.0.2`.
   */
  janusEdges: z.string().default(''),
  /** A file with more edges (same format, one per line); re-read when it changes, no restart needed. */
  janusEdgesFile: z.string().optional(),
  /** Extra Janus processes the server starts itself (development, benchmarks); 0 in production. */
  localEdges: z.coerce.number().int().min(0).max(8).default(0),
  /**
   * Listeners per media node before placement goes to another node. 500 keeps a node under one
   * core at the ~0.17% of a core per listener measured with shared event loops (docs/benchmarks.md).
   */
  nodeCap: z.coerce.number().int().min(1).max(100_000).default(500),
  /** A client that does not read its socket for this long (while the server has messages for it) is disconnected. */
  slowClientMs: z.coerce.number().int().min(100).max(600_000).default(15_000),
  /** AudioBridge prebuffer per speaker, in 20 ms packets (2 = ~110 ms mouth-to-ear, clean). */
  prebuffer: z.coerce.number().int().min(1).max(20).default(2),
  /** Who may host: `open`, `allowlist:alice,bob` or `min_followers:600`. */
  hosting: z
    .string()
    .regex(/^(open|allowlist:[A-Za-z0-9_,]*|min_followers:\d+)$/, 'hosting is open, allowlist:a,b or min_followers:N')
    .default('open'),
  /** A disconnected host keeps a live Space this long before it ends. */
  hostGraceMs: z.coerce.number().int().min(0).default(60_000),
  /** A disconnected co-host, speaker or producer keeps their seat this long. */
  memberGraceMs: z.coerce.number().int().min(0).default(30_000),
  /** Reactions per participant in any 10 s. */
  reactionsPer10s: z.coerce.number().int().min(1).default(10),
  /** How far ahead a Space may be scheduled, in days. */
  maxScheduleDays: z.coerce.number().int().min(1).max(365).default(14),

  // On the internet (docs/deploy.md)
  /** PEM certificate chain and key: set both and the server speaks HTTPS/WSS itself. */
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  /** coturn's static-auth-secret: set it (and turnUrls) and every client gets TURN credentials. */
  turnSecret: z.string().min(16, 'the TURN secret needs at least 16 characters').optional(),
  /** Comma-separated TURN URLs, e.g. turn:turn.example.com:3478?transport=udp,turns:turn.example.com:443?transport=tcp */
  turnUrls: z.string().default(''),
  /** How long TURN credentials stay valid; a relayed call cannot outlive them (coturn refuses the refresh). */
  turnTtlSeconds: z.coerce.number().int().min(60).max(86_400).default(6 * 3600),
  /** Comma-separated STUN URLs handed out with the TURN servers (optional). */
  stunUrls: z.string().default(''),
  /** Janus' nat_1_1_mapping: the public address when Janus sits behind a 1:1 NAT (a cloud VM). */
  janusPublicIp: z.string().optional(),
  /** Janus' own STUN server (host:port), to learn its public address by itself. */
  janusStunServer: z.string().regex(/^[^:\s]+:\d+$/, 'host:port').optional(),
  /** Janus relays through the TURN server too (host:port:udp|tcp|tls), with credentials from turnSecret. */
  janusTurnServer: z.string().regex(/^[^:\s]+:\d+:(udp|tcp|tls)$/, 'host:port:udp|tcp|tls').optional(),
  /** ICE-TCP on Janus (libnice needs ICE Lite for it). */
  janusIceTcp: z.stringbool().default(false),
  /** Recording (issue 12): on by default for Spaces whose host did not choose. */
  recordByDefault: z.preprocess((v) => v === true || v === 'true' || v === '1', z.boolean()),
  /** Where recordings live; default `<data dir>/recordings`. */
  recordingDir: z.string().optional(),
  /** Local UDP ports where the stage mix arrives for the recorder (one per recorded live Space). */
  recordPortRange: PortRange.default('31000-31999'),
  /** HLS segment length in seconds (the HLS audience is about three of these behind). */
  segmentSeconds: z.coerce.number().int().min(1).max(2).default(1),
  /** Days a replay is kept after the Space ends. */
  recordingRetentionDays: z.coerce.number().min(0).default(30),
  /** Who may save clips: roles separated by commas (`listener` = anyone following the Space). */
  clipRoles: z
    .string()
    .default('host,cohost')
    .transform((v) => v.split(','))
    .pipe(z.array(Role)),

  // For the operator (docs/deploy.md, "Metrics and logs")
  /** Log level of the JSON log on stdout (pino): fatal, error, warn, info, debug, trace or silent. */
  logLevel: z.enum(LOG_LEVELS).default('info'),
  /** A bearer token that opens /metrics on the server's own port (unset: /metrics is not served there). */
  metricsToken: z.string().min(16, 'the metrics token needs at least 16 characters').optional(),
  /** host:port of a listener of its own serving only /metrics, e.g. 127.0.0.1:9464 (bind it to a private address). */
  metricsAddress: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d+$/, 'host:port').optional(),
  /** Podcast feeds (issue 22): itunes:owner email (accounts have no email; default podcasts@<public host>). */
  podcastEmail: z.email().optional(),
  /** itunes:category of every feed, `Top` or `Top / Sub` from Apple's list. */
  podcastCategory: z.string().min(2).max(80).default('Society & Culture'),
  /** The feeds' language (RSS `language`). */
  podcastLanguage: z.string().regex(/^[a-z]{2}(-[A-Za-z]{2})?$/, 'a language code like en or it-IT').default('en'),

  // Reaching people (issue 21)
  /** SMTP relay for reminder mail, e.g. smtp://user:pass@mail.example:587 or smtps://...; unset = no mail is sent. */
  smtpUrl: z.string().regex(/^smtps?:\/\//, 'SPACES_SMTP_URL is smtp://... or smtps://...').optional(),
  /** The From of reminder mail. */
  mailFrom: z.string().default('Spaces <no-reply@localhost>'),
  /** VAPID contact (RFC 8292): a mailto: or https: URL push services may use to reach the operator. */
  vapidSubject: z.string().regex(/^(mailto:|https:\/\/)/, 'SPACES_VAPID_SUBJECT is mailto:... or https://...').default('mailto:admin@localhost'),
  /** "Starts soon" reminders go this many minutes before a scheduled start (fractions allowed). */
  reminderLeadMin: z.coerce.number().min(0).max(24 * 60).default(10),
  /** First retry of a failed send after this long, doubling each attempt (capped at 15 min). */
  outboxBackoffMs: z.coerce.number().int().min(10).max(3_600_000).default(2000),
  /** A PEM file with one more CA trusted for push endpoints (tests run a push service of their own). */
  pushCaFile: z.string().optional(),
  /** CSP frame-ancestors of the embeddable player (/s/<id>/embed): `*`, or the sites that may frame it. */
  embedAncestors: z.string().regex(/^[^;,'\n]+$/, 'space-separated sources, e.g. https://blog.example').default('*'),
});
export type ServerConfig = z.infer<typeof ServerConfig>;

const ENV: Record<keyof ServerConfig, string> = {
  host: 'SPACES_HOST',
  port: 'SPACES_PORT',
  dataDir: 'SPACES_DATA_DIR',
  publicUrl: 'SPACES_PUBLIC_URL',
  media: 'SPACES_MEDIA',
  livekitUrl: 'LIVEKIT_URL',
  livekitApiKey: 'LIVEKIT_API_KEY',
  livekitApiSecret: 'LIVEKIT_API_SECRET',
  livekitBinary: 'LIVEKIT_SERVER_BIN',
  livekitNodeIp: 'LIVEKIT_NODE_IP',
  livekitPort: 'LIVEKIT_PORT',
  livekitRtcPort: 'LIVEKIT_RTC_PORT',
  livekitInterfaces: 'LIVEKIT_INTERFACES',
  livekitRedis: 'LIVEKIT_REDIS',
  livekitNodes: 'LIVEKIT_NODES',
  livekitTokenTtlSeconds: 'LIVEKIT_TOKEN_TTL_S',
  janusUrl: 'JANUS_URL',
  janusWsPort: 'JANUS_WS_PORT',
  janusWsHost: 'JANUS_WS_HOST',
  janusBinary: 'JANUS_BINARY',
  janusIceEnforceList: 'JANUS_ICE_ENFORCE_LIST',
  janusRtpPortRange: 'JANUS_RTP_PORT_RANGE',
  janusApiSecret: 'JANUS_API_SECRET',
  janusAdminKey: 'JANUS_ADMIN_KEY',
  forwardPortRange: 'SPACES_FORWARD_PORT_RANGE',
  forwardHost: 'SPACES_FORWARD_HOST',
  janusEventLoops: 'JANUS_EVENT_LOOPS',
  janusMountpointThreads: 'JANUS_MOUNTPOINT_THREADS',
  janusEdges: 'JANUS_EDGES',
  janusEdgesFile: 'JANUS_EDGES_FILE',
  localEdges: 'SPACES_LOCAL_EDGES',
  nodeCap: 'SPACES_NODE_CAP',
  slowClientMs: 'SPACES_SLOW_CLIENT_MS',
  prebuffer: 'JANUS_PREBUFFER',
  hosting: 'SPACES_HOSTING',
  hostGraceMs: 'SPACES_HOST_GRACE_MS',
  memberGraceMs: 'SPACES_MEMBER_GRACE_MS',
  reactionsPer10s: 'SPACES_REACTIONS_PER_10S',
  maxScheduleDays: 'SPACES_MAX_SCHEDULE_DAYS',
  tlsCert: 'SPACES_TLS_CERT',
  tlsKey: 'SPACES_TLS_KEY',
  turnSecret: 'SPACES_TURN_SECRET',
  turnUrls: 'SPACES_TURN_URLS',
  turnTtlSeconds: 'SPACES_TURN_TTL_S',
  stunUrls: 'SPACES_STUN_URLS',
  janusPublicIp: 'JANUS_PUBLIC_IP',
  janusStunServer: 'JANUS_STUN_SERVER',
  janusTurnServer: 'JANUS_TURN_SERVER',
  janusIceTcp: 'JANUS_ICE_TCP',
  recordByDefault: 'SPACES_RECORD_BY_DEFAULT',
  recordingDir: 'SPACES_RECORDING_DIR',
  recordPortRange: 'SPACES_RECORD_PORT_RANGE',
  segmentSeconds: 'SPACES_HLS_SEGMENT_SECONDS',
  recordingRetentionDays: 'SPACES_RECORDING_RETENTION_DAYS',
  clipRoles: 'SPACES_CLIP_ROLES',
  logLevel: 'SPACES_LOG_LEVEL',
  metricsToken: 'SPACES_METRICS_TOKEN',
  metricsAddress: 'SPACES_METRICS_ADDRESS',
  podcastEmail: 'SPACES_PODCAST_EMAIL',
  podcastCategory: 'SPACES_PODCAST_CATEGORY',
  podcastLanguage: 'SPACES_PODCAST_LANGUAGE',
  smtpUrl: 'SPACES_SMTP_URL',
  mailFrom: 'SPACES_MAIL_FROM',
  vapidSubject: 'SPACES_VAPID_SUBJECT',
  reminderLeadMin: 'SPACES_REMINDER_LEAD_MIN',
  outboxBackoffMs: 'SPACES_OUTBOX_BACKOFF_MS',
  pushCaFile: 'SPACES_PUSH_CA_FILE',
  embedAncestors: 'SPACES_EMBED_ANCESTORS',
};

export function configFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV)) if (env[name]) raw[key] = env[name];
  const config = ServerConfig.parse({ ...raw, ...overrides });
  return { ...config, dataDir: resolve(config.dataDir) };
}

/** The TURN relay clients get credentials for, or none when TURN is not configured. */
export function turnOptions(config: ServerConfig): TurnOptions | undefined {
  const list = (s: string): string[] => s.split(',').map((u) => u.trim()).filter(Boolean);
  if (!config.turnSecret || list(config.turnUrls).length === 0) return undefined;
  return { secret: config.turnSecret, urls: list(config.turnUrls), ttlSeconds: config.turnTtlSeconds, stunUrls: list(config.stunUrls) };
}

export function hostingPolicy(hosting: string): HostingPolicy {
  const [kind, arg = ''] = hosting.split(':');
  if (kind === 'allowlist') return { kind, handles: arg.split(',').filter(Boolean) };
  if (kind === 'min_followers') return { kind, count: Number(arg) };
  return { kind: 'open' };
}

export function parseRange(range: string): [number, number] {
  const [a, b] = range.split('-').map(Number) as [number, number];
  return [Math.min(a, b), Math.max(a, b)];
}

export const CONFIG_ENV_NAMES = ENV;

/** One external media node from `JANUS_EDGES` / `JANUS_EDGES_FILE`. */
export interface EdgeSpec {
  url: string;
  mediaAddress: string;
}

/** Parses `url#address` entries (comma- or newline-separated; `#` comments on their own line are skipped). */
export function parseEdges(text: string): EdgeSpec[] {
  const out: EdgeSpec[] = [];
  for (const raw of text.split(/[,\n]/)) {
    const entry = raw.trim();
    if (!entry || entry.startsWith('#')) continue;
    const [url, address] = entry.split('#') as [string, string | undefined];
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`media node "${entry}" is not a Janus WebSocket URL (ws://host:port)`);
    }
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new Error(`media node "${entry}" must be a ws:// or wss:// URL`);
    out.push({ url, mediaAddress: address?.trim() || parsed.hostname });
  }
  return out;
}
