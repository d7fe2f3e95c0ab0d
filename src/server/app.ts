import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hostingPolicy, parseRange, turnOptions, type ServerConfig } from './config.js';
import { createWebServer, tlsOptions } from './tls.js';
import { iceHandlers, turnCredentials } from './turn.js';
import { AccountService } from './accounts.js';
import { SpaceStore, openServerDb } from './db.js';
import { createHttpHandler } from './http.js';
import { loadStatic } from './staticFiles.js';
import { JanusMedia } from './janus/media.js';
import { JanusSupervisor } from './janus/supervisor.js';
import type { JanusNatOptions, ManagedJanusOptions } from './janus/config.js';
import { SignalingServer } from './signaling.js';
import { SpaceService } from './spaces.js';
import { ScheduleService, scheduleHandlers } from './schedule/service.js';
import { scheduleRoutes } from './schedule/http.js';
import { TranscriptService, transcriptHandlers } from './transcript/service.js';
import { transcriptRoutes } from './transcript/http.js';

/** The built listener page: next to the bundled server (out/server -> out/listener) or from the sources. */
const here = dirname(fileURLToPath(import.meta.url));
// (src/listener holds the page's sources, not a build: only a directory with built assets counts.)
export const LISTENER_DIST = existsSync(join(here, '../listener/assets')) ? join(here, '../listener') : join(here, '../../out/listener');

export interface RunningServer {
  url: string;
  http: Server;
  spaces: SpaceService;
  accounts: AccountService;
  media: JanusMedia;
  signaling: SignalingServer;
  /** Present when the server runs its own Janus. */
  janus?: JanusSupervisor;
  close(): Promise<void>;
}

/** Starts the Space server: its own Janus (or an external one), SQLite, HTTP and WebSocket. */
export async function startSpaceServer(config: ServerConfig, listenerDist = LISTENER_DIST): Promise<RunningServer> {
  const tls = tlsOptions(config.tlsCert, config.tlsKey); // a bad certificate stops start-up, before Janus
  const turn = turnOptions(config);
  let janus: JanusSupervisor | undefined;
  let janusUrl = config.janusUrl;
  if (!janusUrl) {
    janus = new JanusSupervisor({ ...janusOptions(config, join(config.dataDir, 'janus')), binary: config.janusBinary });
    janus.on('error', (err: Error) => console.error(`[janus] ${err.message}`));
    janus.start();
    janusUrl = janus.url;
  }
  const media = new JanusMedia({
    janusUrl,
    apiSecret: config.janusApiSecret,
    adminKey: config.janusAdminKey,
    forwardHost: config.forwardHost,
    prebuffer: config.prebuffer,
    reconnectMs: 100,
  });
  const db = openServerDb(join(config.dataDir, 'spaces.db'));
  const accounts = new AccountService(db, hostingPolicy(config.hosting));
  const spaces = new SpaceService(new SpaceStore(db), media, {
    forwardPorts: parseRange(config.forwardPortRange),
    hostGraceMs: config.hostGraceMs,
    memberGraceMs: config.memberGraceMs,
    reactionLimit: { count: config.reactionsPer10s, windowMs: 10_000 },
  });
  try {
    await media.start(20_000);
    await spaces.restoreLive();
  } catch (err) {
    media.stop();
    await janus?.stop();
    db.close();
    throw err;
  }

  const sameHost = (origin: string, host: string | undefined): boolean => {
    try {
      return new URL(origin).host === host || (!!config.publicUrl && new URL(origin).origin === new URL(config.publicUrl).origin);
    } catch {
      return false;
    }
  };
  const schedule = new ScheduleService(db, spaces, accounts, { maxDaysAhead: config.maxScheduleDays, dataDir: config.dataDir });
  const transcript = new TranscriptService(db, spaces);
  const signaling = new SignalingServer(spaces, accounts, sameHost, { ...scheduleHandlers(schedule), ...transcriptHandlers(transcript), ...iceHandlers(turn) });
  const routes = [scheduleRoutes(schedule), transcriptRoutes(transcript)];
  const handler = createHttpHandler(spaces, loadStatic(listenerDist), (path, res, headers) => routes.some((r) => r(path, res, headers)));
  const http = createWebServer(tls, (req, res) => {
    try {
      handler(req, res);
    } catch (err) {
      console.error(err);
      if (!res.headersSent) res.writeHead(500).end('internal error');
    }
  });
  http.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === '/ws') signaling.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const addr = http.address() as AddressInfo;
  const url = config.publicUrl ?? `${tls ? 'https' : 'http'}://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;

  return {
    url,
    http,
    spaces,
    accounts,
    media,
    signaling,
    janus,
    async close() {
      signaling.close();
      await new Promise<void>((r) => http.close(() => r()));
      media.stop();
      await janus?.stop();
      db.close();
    },
  };
}

/** What the server's own Janus runs with; also written for a Janus of its own (`main.js janus-config DIR`). */
export function janusOptions(config: ServerConfig, dir: string): Omit<ManagedJanusOptions, 'pluginsFolder' | 'transportsFolder'> {
  return {
    dir,
    wsHost: config.janusWsHost,
    wsPort: config.janusWsPort,
    iceEnforceList: config.janusIceEnforceList,
    rtpPortRange: config.janusRtpPortRange,
    nat: janusNat(config),
    apiSecret: config.janusApiSecret,
  };
}

/** Janus' NAT settings from the environment; its TURN credentials last a month (renewed at every Janus start). */
function janusNat(config: ServerConfig): JanusNatOptions {
  const nat: JanusNatOptions = { publicIp: config.janusPublicIp, stunServer: config.janusStunServer, iceTcp: config.janusIceTcp };
  if (config.janusTurnServer) {
    if (!config.turnSecret) throw new Error('JANUS_TURN_SERVER needs SPACES_TURN_SECRET (Janus gets TURN credentials from it)');
    const [host, port, type] = config.janusTurnServer.split(':') as [string, string, 'udp' | 'tcp' | 'tls'];
    const creds = turnCredentials(config.turnSecret, 'janus', 30 * 86_400);
    nat.turn = { host, port: Number(port), type, user: creds.username, pwd: creds.credential };
  }
  return nat;
}
