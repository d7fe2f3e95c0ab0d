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
  pluginsFolder: string;
  transportsFolder: string;
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
}
media: {
  rtp_port_range = "${o.rtpPortRange}"
}
nat: {
  nice_debug = false
  ${o.iceEnforceList ? `ice_enforce_list = "${o.iceEnforceList}"` : ''}
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
