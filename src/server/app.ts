import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hostingPolicy, parseRange, type ServerConfig } from './config.js';
import { AccountService } from './accounts.js';
import { SpaceStore, openServerDb } from './db.js';
import { createHttpHandler } from './http.js';
import { loadStatic } from './staticFiles.js';
import { JanusMedia } from './janus/media.js';
import { JanusSupervisor } from './janus/supervisor.js';
import { SignalingServer } from './signaling.js';
import { SpaceService } from './spaces.js';
import { ScheduleService, scheduleHandlers } from './schedule/service.js';
import { scheduleRoutes } from './schedule/http.js';
import { TranscriptService, transcriptHandlers } from './transcript/service.js';
import { transcriptRoutes } from './transcript/http.js';
import { TrackUploads } from './multitrack/uploads.js';
import { StageTracks } from './multitrack/stageTracks.js';
import { multitrackHandlers } from './multitrack/handlers.js';

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
  let janus: JanusSupervisor | undefined;
  let janusUrl = config.janusUrl;
  if (!janusUrl) {
    janus = new JanusSupervisor({
      dir: join(config.dataDir, 'janus'),
      wsHost: '127.0.0.1',
      wsPort: config.janusWsPort,
      iceEnforceList: config.janusIceEnforceList,
      rtpPortRange: config.janusRtpPortRange,
      binary: config.janusBinary,
    });
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
  // Multitrack (issue 13): speakers' uploaded takes and the stage's per-participant recordings.
  const stageTracks = new StageTracks(join(config.dataDir, 'multitrack'), media);
  media.on('participant', (p: { key: number; id: number; display: string }) => stageTracks.participantJoined(p.key, p.id, p.display));
  const multitrack = multitrackHandlers(spaces, new TrackUploads(join(config.dataDir, 'multitrack'), spaces), stageTracks);
  const signaling = new SignalingServer(spaces, accounts, sameHost, { ...scheduleHandlers(schedule), ...transcriptHandlers(transcript), ...multitrack });
  const routes = [scheduleRoutes(schedule), transcriptRoutes(transcript)];
  const handler = createHttpHandler(spaces, loadStatic(listenerDist), (path, res, headers) => routes.some((r) => r(path, res, headers)));
  const http = createServer((req, res) => {
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
  const url = config.publicUrl ?? `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;

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
