import { resolve } from 'node:path';
import { z } from 'zod';
import type { HostingPolicy } from '../shared/account.js';

const Port = z.coerce.number().int().min(0).max(65535);
const PortRange = z.string().regex(/^\d+-\d+$/, 'a port range looks like 20000-29999');

/** The Space server's configuration, read from the environment (see README, "Configuration"). */
export const ServerConfig = z.object({
  host: z.string().default('127.0.0.1'),
  port: Port.default(8080),
  dataDir: z.string().default('.data/server'),
  /** Address the page links use; defaults to http://host:port. */
  publicUrl: z.url().optional(),
  /** Set to use an external Janus (its WebSocket API URL); unset = the server runs its own. */
  janusUrl: z.string().optional(),
  janusWsPort: Port.default(8188),
  janusBinary: z.string().default('janus'),
  /** Janus' ice_enforce_list: the interfaces/addresses media may use. */
  janusIceEnforceList: z.string().default(''),
  janusRtpPortRange: PortRange.default('20000-29999'),
  janusApiSecret: z.string().optional(),
  janusAdminKey: z.string().optional(),
  /** Local UDP ports for the stage->audience RTP forwarders (one per live Space). */
  forwardPortRange: PortRange.default('30000-30999'),
  forwardHost: z.string().default('127.0.0.1'),
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
    .regex(/^(host|cohost|speaker|producer|listener)(,(host|cohost|speaker|producer|listener))*$/, 'clip roles look like host,cohost')
    .default('host,cohost'),
});
export type ServerConfig = z.infer<typeof ServerConfig>;

const ENV: Record<keyof ServerConfig, string> = {
  host: 'SPACES_HOST',
  port: 'SPACES_PORT',
  dataDir: 'SPACES_DATA_DIR',
  publicUrl: 'SPACES_PUBLIC_URL',
  janusUrl: 'JANUS_URL',
  janusWsPort: 'JANUS_WS_PORT',
  janusBinary: 'JANUS_BINARY',
  janusIceEnforceList: 'JANUS_ICE_ENFORCE_LIST',
  janusRtpPortRange: 'JANUS_RTP_PORT_RANGE',
  janusApiSecret: 'JANUS_API_SECRET',
  janusAdminKey: 'JANUS_ADMIN_KEY',
  forwardPortRange: 'SPACES_FORWARD_PORT_RANGE',
  forwardHost: 'SPACES_FORWARD_HOST',
  prebuffer: 'JANUS_PREBUFFER',
  hosting: 'SPACES_HOSTING',
  hostGraceMs: 'SPACES_HOST_GRACE_MS',
  memberGraceMs: 'SPACES_MEMBER_GRACE_MS',
  reactionsPer10s: 'SPACES_REACTIONS_PER_10S',
  maxScheduleDays: 'SPACES_MAX_SCHEDULE_DAYS',
  recordByDefault: 'SPACES_RECORD_BY_DEFAULT',
  recordingDir: 'SPACES_RECORDING_DIR',
  recordPortRange: 'SPACES_RECORD_PORT_RANGE',
  segmentSeconds: 'SPACES_HLS_SEGMENT_SECONDS',
  recordingRetentionDays: 'SPACES_RECORDING_RETENTION_DAYS',
  clipRoles: 'SPACES_CLIP_ROLES',
};

export function configFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV)) if (env[name]) raw[key] = env[name];
  const config = ServerConfig.parse({ ...raw, ...overrides });
  return { ...config, dataDir: resolve(config.dataDir) };
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
