import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ManagedJanusOptions {
  /** Folder the generated configuration and logs go into. */
  dir: string;
  /** Janus' WebSocket API binds here; only the Space server talks to it. */
  wsHost: string;
  wsPort: number;
  /** Interfaces/addresses ICE may use (Janus' ice_enforce_list); empty = Janus' own choice. */
  iceEnforceList: string;
  rtpPortRange: string;
  /**
   * Janus' `event_loops`: 0 = a thread per PeerConnection (Janus' default), N = N shared loops.
   * Shared loops roughly doubled listeners per core in our measurements (docs/benchmarks.md).
   */
  eventLoops?: number;
  /** Public-network settings (docs/deploy.md); all optional. */
  nat?: JanusNatOptions;
  /** Janus' api_secret: every API request must carry it (a Janus node reachable beyond loopback). */
  apiSecret?: string;
  pluginsFolder: string;
  transportsFolder: string;
}

/** Janus on the internet: its public address, how it learns it, and its own TURN relay. */
export interface JanusNatOptions {
  /** nat_1_1_mapping: the public IP that replaces the host address in Janus' candidates. */
  publicIp?: string;
  /** host:port of a STUN server Janus asks for its public address. */
  stunServer?: string;
  /** A TURN server Janus relays through (credentials from the TURN REST secret). */
  turn?: { host: string; port: number; type: 'udp' | 'tcp' | 'tls'; user: string; pwd: string };
  /** ICE-TCP candidates (libnice supports them only with ICE Lite, so this turns that on too). */
  iceTcp?: boolean;
}

/** The `nat:` lines for janus.jcfg (values are checked by the server's config schema). */
export function janusNatLines(nat: JanusNatOptions = {}): string[] {
  const q = (v: string): string => JSON.stringify(v);
  const lines: string[] = [];
  if (nat.publicIp) lines.push(`nat_1_1_mapping = ${q(nat.publicIp)}`, 'keep_private_host = false');
  if (nat.stunServer) {
    const [host, port] = nat.stunServer.split(':');
    lines.push(`stun_server = ${q(host!)}`, `stun_port = ${Number(port)}`);
  }
  if (nat.turn) {
    lines.push(`turn_server = ${q(nat.turn.host)}`, `turn_port = ${nat.turn.port}`, `turn_type = ${q(nat.turn.type)}`, `turn_user = ${q(nat.turn.user)}`, `turn_pwd = ${q(nat.turn.pwd)}`);
  }
  if (nat.iceTcp) lines.push('ice_lite = true', 'ice_tcp = true');
  return lines;
}

export const DEBIAN_JANUS_LIB = '/usr/lib/x86_64-linux-gnu/janus';

/**
 * Writes a minimal Janus configuration: only the WebSocket transport (bound to the server's
 * chosen address) and the two plugins a Space needs (AudioBridge, Streaming).
 */
export function writeJanusConfig(o: ManagedJanusOptions): string {
  mkdirSync(o.dir, { recursive: true });
  const unusedPlugins = ['duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'textroom', 'videocall', 'videoroom', 'voicemail']
    .map((p) => `libjanus_${p}.so`)
    .join(',');
  const unusedTransports = ['http', 'mqtt', 'nanomsg', 'pfunix', 'rabbitmq'].map((t) => `libjanus_${t}.so`).join(',');
  const janus = `general: {
  configs_folder = "${o.dir}"
  plugins_folder = "${o.pluginsFolder}"
  transports_folder = "${o.transportsFolder}"
  debug_level = 3
  session_timeout = 60
  event_loops = ${o.eventLoops ?? 1}
  protected_folders = ["/bin", "/boot", "/dev", "/etc", "/lib", "/proc", "/sbin", "/sys", "/usr", "/var"]
  ${o.apiSecret ? `api_secret = ${JSON.stringify(o.apiSecret)}` : ''}
}
media: {
  rtp_port_range = "${o.rtpPortRange}"
}
nat: {
  nice_debug = false
  ${o.iceEnforceList ? `ice_enforce_list = "${o.iceEnforceList}"` : ''}
  ${janusNatLines(o.nat).join('\n  ')}
}
plugins: {
  disable = "${unusedPlugins}"
}
transports: {
  disable = "${unusedTransports}"
}
events: {
  broadcast = false
}
`;
  const ws = `general: {
  json = "plain"
  ws = true
  ws_port = ${o.wsPort}
  ws_ip = "${o.wsHost}"
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
`;
  writeFileSync(join(o.dir, 'janus.jcfg'), janus);
  writeFileSync(join(o.dir, 'janus.transport.websockets.jcfg'), ws);
  writeFileSync(join(o.dir, 'janus.plugin.audiobridge.jcfg'), 'general: {\n}\n');
  writeFileSync(join(o.dir, 'janus.plugin.streaming.jcfg'), 'general: {\n}\n');
  return join(o.dir, 'janus.jcfg');
}
