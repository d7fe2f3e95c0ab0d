import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hostingPolicy, parseRange, type ServerConfig } from './config.js';
import type { Role } from '../shared/space.js';
import { AccountService } from './accounts.js';
import { SpaceStore, openServerDb } from './db.js';
import { createWebApp, type ServerFactory } from './web.js';
import { JanusMedia } from './janus/media.js';
import { JanusSupervisor } from './janus/supervisor.js';
import { SignalingServer } from './signaling.js';
import { SpaceService } from './spaces.js';
import { ScheduleService, scheduleHandlers } from './schedule/service.js';
import { scheduleRoutes } from './schedule/http.js';
import { TranscriptService, transcriptHandlers } from './transcript/service.js';
import { transcriptRoutes } from './transcript/http.js';
import { RecordingService } from './recording/service.js';
import { recordingHandlers, recordingRoutes } from './recording/http.js';

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
  recording: RecordingService;
  /** Present when the server runs its own Janus. */
  janus?: JanusSupervisor;
  close(): Promise<void>;
}

/** Starts the Space server: its own Janus (or an external one), SQLite, HTTP and WebSocket. */
/** Plain HTTP; startup may pass another factory (HTTPS) without touching the routes. */
export const plainHttp: ServerFactory = (handler) => createServer(handler);

export async function startSpaceServer(config: ServerConfig, listenerDist = LISTENER_DIST, serverFactory: ServerFactory = plainHttp): Promise<RunningServer> {
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
  let url = config.publicUrl ?? '';
  const recording = new RecordingService(db, media, spaces, {
    dir: config.recordingDir ?? join(config.dataDir, 'recordings'),
    tapHost: config.forwardHost,
    tapPorts: parseRange(config.recordPortRange),
    segmentS: config.segmentSeconds,
    defaultOn: config.recordByDefault,
    retentionMs: config.recordingRetentionDays * 86_400_000,
    clipRoles: config.clipRoles.split(',') as Role[],
    liveWindow: 6,
    publicUrl: () => url,
    publish: (spaceId, event) => spaces.notifier.toSpace(spaceId, event),
  });
  spaces.lifecycle = recording;
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
  const captions = transcriptHandlers(transcript);
  const signaling = new SignalingServer(spaces, accounts, sameHost, {
    ...scheduleHandlers(schedule),
    ...captions,
    // The recording places captions on its timeline by when they arrive.
    'caption.post': (c, p) => {
      const r = captions['caption.post'](c, p);
      recording.noteCaption(p.spaceId, p.segment);
      return r;
    },
    ...recordingHandlers(recording),
  });
  const accountOf = (token: string): string | null => {
    try {
      return accounts.resume(token).account.id;
    } catch {
      return null;
    }
  };
  const web = await createWebApp({
    spaces,
    listenerDist,
    routes: [scheduleRoutes(schedule), transcriptRoutes(transcript), recordingRoutes(recording, accountOf)],
    serverFactory,
  });
  const http = web.server;
  http.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === '/ws') signaling.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await web.listen({ port: config.port, host: config.host });
  recording.startSweeping();
  const addr = http.address() as AddressInfo;
  url = config.publicUrl ?? `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;

  return {
    url,
    http,
    spaces,
    accounts,
    media,
    signaling,
    recording,
    janus,
    async close() {
      signaling.close();
      await web.close();
      await recording.close();
      media.stop();
      await janus?.stop();
      db.close();
    },
  };
}
