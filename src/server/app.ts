import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hostingPolicy, parseEdges, parseRange, turnOptions, type ServerConfig } from './config.js';
import { createWebServer, tlsOptions } from './tls.js';
import { turnCredentials } from './ice/service.js';
import { iceHandlers } from './ice/handlers.js';
import { AccountService } from './accounts/service.js';
import { accountHandlers, hostCheck } from './accounts/handlers.js';
import { SpaceStore } from './spaces/store.js';
import { openServerDb } from './database.js';
import { createWebApp, type ServerFactory } from './web.js';
import { JanusSupervisor } from './janus/supervisor.js';
import { ClientHub, DEFAULT_BACKPRESSURE } from './clientHub.js';
import { JanusMediaPool, LOCAL_NODE } from './media/pool.js';
import { startLiveKitEngine, type LiveKitEngine } from './media/livekit/engine.js';
import type { LiveKitMedia } from './media/livekit/port.js';
import { mediaHandlers } from './media/handlers.js';
import type { JanusNodeOptions } from './media/janusNode.js';
import { watchEdgesFile } from './media/edgesFile.js';
import type { JanusNatOptions, ManagedJanusOptions } from './janus/config.js';
import { SignalingServer } from './signaling.js';
import { createLogger, type Logger } from './operator/logging.js';
import { ServerMetrics, metricsRoute, startMetricsListener } from './operator/metrics.js';
import type { DestinationStream } from 'pino';
import { SpaceService } from './spaces/service.js';
import { spaceHandlers } from './spaces/handlers.js';
import { ScheduleService } from './schedule/service.js';
import { TicketGate } from './schedule/ticketGate.js';
import { scheduleHandlers, scheduleRoutes } from './schedule/handlers.js';
import { TranscriptService } from './transcript/service.js';
import { transcriptHandlers, transcriptRoutes } from './transcript/handlers.js';
import { TrackUploads } from './multitrack/uploads.js';
import { StageTracks } from './multitrack/stageTracks.js';
import { multitrackHandlers } from './multitrack/handlers.js';
import { RecordingService } from './recording/service.js';
import { recordingHandlers, recordingRoutes } from './recording/handlers.js';
import { reachFeature } from './reminders/feature.js';
import { homeFeature } from './home/feature.js';
import { AnalyticsStore } from './analytics/store.js';
import { AnalyticsService } from './analytics/service.js';
import { analyticsHandlers, analyticsRoutes } from './analytics/handlers.js';
import { PodcastStore } from './podcast/store.js';
import { PodcastService } from './podcast/service.js';
import { podcastHandlers, podcastRoutes } from './podcast/handlers.js';
import { newParticipant } from './spaces/participant.js';

/** The built listener page: next to the bundled server (out/server -> out/listener) or from the sources. */
const here = dirname(fileURLToPath(import.meta.url));
// (src/listener holds the page's sources, not a build: only a directory with built assets counts.)
export const LISTENER_DIST = existsSync(join(here, '../listener/assets')) ? join(here, '../listener') : join(here, '../../out/listener');

export interface RunningServer {
  url: string;
  http: Server;
  spaces: SpaceService;
  accounts: AccountService;
  /** The media engine: Janus nodes (default) or LiveKit (SPACES_MEDIA=livekit, issue 20). */
  media: JanusMediaPool | LiveKitMedia;
  signaling: SignalingServer;
  hub: ClientHub;
  recording: RecordingService;
  analytics: AnalyticsService;
  podcast: PodcastService;
  /** Present when the server runs its own Janus. */
  janus?: JanusSupervisor;
  /** Extra Janus processes the server started (SPACES_LOCAL_EDGES). */
  localEdges: JanusSupervisor[];
  /** Present with SPACES_MEDIA=livekit. */
  livekit?: LiveKitEngine;
  log: Logger;
  metrics: ServerMetrics;
  /** The /metrics listener of its own, when SPACES_METRICS_ADDRESS is set. */
  metricsServer?: Server;
  close(): Promise<void>;
}

/** Starts the Space server: its own Janus (or an external one), SQLite, HTTP and WebSocket. */
export async function startSpaceServer(
  config: ServerConfig,
  listenerDist = LISTENER_DIST,
  serverFactory?: ServerFactory,
  /** Where the JSON log goes (default stdout). */
  logDestination?: DestinationStream,
): Promise<RunningServer> {
  const log = createLogger(config.logLevel, logDestination);
  // Read at each scrape (the features below exist by then).
  const metrics = new ServerMetrics({
    liveSpaces: () => spaces.liveAudiences(),
    audiences: () => {
      const spaceOf = new Map(spaces.liveAudiences().map((s) => [s.key, s.spaceId]));
      return media.audiences().flatMap((a) => {
        const spaceId = spaceOf.get(a.key);
        return spaceId ? [{ spaceId, node: a.node, listeners: a.listeners }] : [];
      });
    },
    nodes: () => media.nodes(),
    connections: () => ({ open: hub.size, slowClosed: hub.slowClosed }),
    recorders: () => recording.recorderStates(),
  });
  const tls = tlsOptions(config.tlsCert, config.tlsKey); // a bad certificate stops start-up, before Janus
  const turn = turnOptions(config);
  // The server's own Janus (unless JANUS_URL names one) and any extra local ones split the RTP
  // and mountpoint port ranges between them, so that processes on one address never collide.
  const parts = 1 + config.localEdges;
  const rtpRanges = splitRange(parseRange(config.janusRtpPortRange), parts);
  const forwardRanges = splitRange(parseRange(config.forwardPortRange), parts);
  // Each PeerConnection (bundled, rtcp-mux) takes one RTP port: a node must have more than its cap.
  const rtpPorts = rtpRanges[0]![1] - rtpRanges[0]![0] + 1;
  const livekit = config.media === 'livekit' ? await startLiveKit(config) : undefined;
  if (!livekit && !config.janusUrl && rtpPorts < config.nodeCap + 32) {
    throw new Error(
      `JANUS_RTP_PORT_RANGE gives each Janus ${rtpPorts} ports, but a node takes up to SPACES_NODE_CAP=${config.nodeCap} listeners (a port each) plus the stage: widen the range or lower the cap`,
    );
  }
  const supervise = (name: string, wsPort: number, rtp: [number, number]): JanusSupervisor => {
    const s = new JanusSupervisor({ ...janusOptions(config, join(config.dataDir, name)), wsPort, rtpPortRange: `${rtp[0]}-${rtp[1]}`, binary: config.janusBinary });
    s.on('error', (err: Error) => log.error({ process: name, err: err.message }, 'Janus process error'));
    let spawns = 0;
    s.on('spawn', () => {
      if (spawns++ > 0) metrics.janusRestarted(name);
    });
    s.start();
    return s;
  };
  const janus = config.janusUrl || livekit ? undefined : supervise('janus', config.janusWsPort, rtpRanges[0]!);
  const localEdges = Array.from({ length: livekit ? 0 : config.localEdges }, (_, i) => supervise(`janus-edge-${i + 1}`, config.janusWsPort + 1 + i, rtpRanges[i + 1]!));
  const node = (id: string, url: string, mediaAddress: string, forwardPorts: [number, number]): JanusNodeOptions => ({
    id,
    url,
    mediaAddress,
    forwardPorts,
    cap: config.nodeCap,
    apiSecret: config.janusApiSecret,
    adminKey: config.janusAdminKey,
    reconnectMs: 100,
  });
  const edgeNodes = (text: string): JanusNodeOptions[] => parseEdges(text).map((e) => node(e.url, e.url, e.mediaAddress, parseRange(config.forwardPortRange)));
  const media = livekit?.media ?? new JanusMediaPool({ prebuffer: config.prebuffer, audienceLingerMs: 10_000, mountpointThreads: config.janusMountpointThreads }, [
    node(LOCAL_NODE, config.janusUrl ?? janus!.url, config.forwardHost, forwardRanges[0]!),
    ...localEdges.map((s, i) => node(`local-edge-${i + 1}`, s.url, config.forwardHost, forwardRanges[i + 1]!)),
    ...edgeNodes(config.janusEdges),
  ]);
  media.on('node', (n) => metrics.nodeStatus(n));
  for (const n of media.nodes()) metrics.nodeStatus(n);
  const stopEdgesFile = config.janusEdgesFile
    ? watchEdgesFile(config.janusEdgesFile, (text) => {
        try {
          if (media instanceof JanusMediaPool) media.setEdges([...edgeNodes(config.janusEdges), ...edgeNodes(text)]);
        } catch (err) {
          log.error({ file: config.janusEdgesFile, err: (err as Error).message }, 'edges file refused; the media pool is unchanged');
        }
      })
    : () => undefined;
  const db = openServerDb(join(config.dataDir, 'spaces.db'));
  const accounts = new AccountService(db, hostingPolicy(config.hosting));
  const hub = new ClientHub({ ...DEFAULT_BACKPRESSURE, behindMs: config.slowClientMs });
  const tickets = new TicketGate(db);
  const spaces = new SpaceService({
    store: new SpaceStore(db),
    media,
    notifier: hub,
    joinGate: tickets,
    options: {
      hostGraceMs: config.hostGraceMs,
      memberGraceMs: config.memberGraceMs,
      reactionLimit: { count: config.reactionsPer10s, windowMs: 10_000 },
    },
  });
  const stopMedia = async (): Promise<void> => {
    stopEdgesFile();
    media.stop();
    await Promise.all([janus?.stop(), livekit?.stop(), ...localEdges.map((s) => s.stop())]);
  };
  let url = config.publicUrl ?? '';
  const recording = new RecordingService(db, media, spaces, {
    dir: config.recordingDir ?? join(config.dataDir, 'recordings'),
    tapHost: config.forwardHost,
    tapPorts: parseRange(config.recordPortRange),
    segmentS: config.segmentSeconds,
    defaultOn: config.recordByDefault,
    retentionMs: config.recordingRetentionDays * 86_400_000,
    clipRoles: config.clipRoles,
    liveWindow: 6,
    publicUrl: () => url,
    publish: (spaceId, event) => spaces.publish(spaceId, event),
  });
  spaces.events.on('live', (spaceId, key) => recording.live(spaceId, key));
  spaces.events.on('ending', (spaceId, staff) => recording.ending(spaceId, staff));
  // Reminders and go-live alerts (issue 21): listening before restoreLive, which reports Spaces live again.
  const reach = reachFeature(db, config, listenerDist, () => url);
  spaces.events.on('live', (spaceId) => reach.service.spaceLive(spaceId));
  try {
    await media.start(20_000);
    await spaces.restoreLive();
  } catch (err) {
    await stopMedia();
    await reach.service.stop();
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
  const schedule = new ScheduleService(db, spaces, accounts, { maxDaysAhead: config.maxScheduleDays, dataDir: config.dataDir, tickets });
  const transcript = new TranscriptService(db, spaces);
  spaces.events.on('ending', (spaceId, staff) => transcript.ending(spaceId, staff));
  // Analytics and the podcast (issue 22): what the server already sees, and published replays as a feed.
  const analytics = new AnalyticsService(new AnalyticsStore(db), spaces, { recordingMs: (id) => recording.state(id).durationMs });
  spaces.events.on('listening', (spaceId, conn, who, on) => analytics.listening(spaceId, conn, who, on));
  spaces.events.on('speaking', (spaceId, name, _handle, on) => analytics.speaking(spaceId, name, on));
  spaces.events.on('reaction', (spaceId) => analytics.reaction(spaceId));
  spaces.events.on('ending', (spaceId) => analytics.ending(spaceId));
  const podcast = new PodcastService(
    new PodcastStore(db),
    { spaces, accounts, recording, transcript, talk: (id) => analytics.talkSpans(id) },
    {
      publicUrl: () => url,
      ownerEmail: config.podcastEmail ?? `podcasts@${new URL(config.publicUrl ?? 'http://localhost').hostname}`,
      category: config.podcastCategory,
      language: config.podcastLanguage,
    },
  );
  // Multitrack (issue 13): speakers' uploaded takes and the stage's per-participant recordings.
  const stageTracks = new StageTracks(join(config.dataDir, 'multitrack'), media);
  media.on('participant', (p) => stageTracks.participantJoined(p.key, p.id, p.display));
  const multitrack = multitrackHandlers(spaces, new TrackUploads(join(config.dataDir, 'multitrack'), spaces), stageTracks);
  const captions = transcriptHandlers(transcript);
  const signaling = new SignalingServer(
    hub,
    {
      ...accountHandlers(accounts, spaces, log.child({ component: 'accounts' })),
      ...spaceHandlers(spaces, hostCheck(accounts)),
      ...scheduleHandlers(schedule),
      ...captions,
      // The recording places captions on its timeline by when they arrive.
      'caption.post': (c, p) => {
        const r = captions['caption.post'](c, p);
        recording.noteCaption(p.spaceId, p.segment);
        return r;
      },
      ...recordingHandlers(recording),
      ...iceHandlers(turn),
      ...mediaHandlers(spaces),
      ...multitrack,
      ...podcastHandlers(podcast),
      ...analyticsHandlers(analytics),
      ...reach.handlers,
    },
    sameHost,
    (p) => spaces.disconnect(p),
    log.child({ component: 'signaling' }),
    (type, seconds, errorCode) => metrics.signalingRequest(type, seconds, errorCode),
  );
  const accountOf = (token: string): string | null => {
    try {
      return accounts.resume(token).account.id;
    } catch {
      return null;
    }
  };
  const home = homeFeature(db, spaces, accounts, reach.shell, config, () => url);
  const web = await createWebApp({
    spaces,
    logger: log,
    instrument: (app) => {
      metrics.instrument(app);
      metricsRoute(app, metrics, config.metricsToken);
    },
    listenerDist,
    routes: [
      scheduleRoutes(schedule, () => url),
      transcriptRoutes(transcript),
      recordingRoutes(recording, accountOf),
      podcastRoutes(podcast),
      analyticsRoutes(analytics, (token) => {
        try {
          const p = newParticipant();
          spaces.signedIn(p, accounts.resume(token).account, token);
          return p;
        } catch {
          return null;
        }
      }),
      reach.routes,
      home.routes,
    ],
    pageHead: home.pageHead,
    mediaOrigins: livekit?.origins,
    // HTTPS when a certificate is configured (issue 15); a caller may pass its own factory.
    serverFactory: serverFactory ?? ((handler) => createWebServer(tls, handler)),
    health: () => ({
      connections: hub.size,
      slowClientsClosed: hub.slowClosed,
      mediaNodesUp: media.nodes().filter((n) => n.up).length,
      listenersPlaced: media.nodes().reduce((n, x) => n + x.listeners, 0),
    }),
  });
  const http = web.server;
  http.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === '/ws') signaling.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await web.listen({ port: config.port, host: config.host });
  const metricsServer = config.metricsAddress ? await startMetricsListener(config.metricsAddress, metrics) : undefined;
  recording.startSweeping();
  reach.service.start();
  const addr = http.address() as AddressInfo;
  url = config.publicUrl ?? `${tls ? 'https' : 'http'}://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;

  return {
    url,
    http,
    spaces,
    accounts,
    media,
    signaling,
    hub,
    recording,
    analytics,
    podcast,
    janus,
    localEdges,
    livekit,
    log,
    metrics,
    metricsServer,
    async close() {
      metricsServer?.close();
      signaling.close();
      spaces.stop();
      await web.close();
      analytics.close();
      await recording.close();
      await reach.service.stop();
      await stopMedia();
      db.close();
    },
  };
}

/** The LiveKit engine from the environment (SPACES_MEDIA=livekit). */
function startLiveKit(config: ServerConfig): Promise<LiveKitEngine> {
  return startLiveKitEngine({
    dataDir: config.dataDir,
    url: config.livekitUrl,
    apiKey: config.livekitApiKey,
    apiSecret: config.livekitApiSecret,
    binary: config.livekitBinary,
    nodeIp: config.livekitNodeIp ?? '127.0.0.1',
    port: config.livekitPort,
    rtcPort: config.livekitRtcPort,
    interfaces: config.livekitInterfaces,
    redis: config.livekitRedis,
    extraNodes: config.livekitNodes.split(',').map((u) => u.trim()).filter(Boolean),
    tokenTtlSeconds: config.livekitTokenTtlSeconds,
    cap: config.nodeCap,
  });
}

/** Splits [lo, hi] into `n` consecutive ranges of (nearly) equal size. */
function splitRange([lo, hi]: [number, number], n: number): [number, number][] {
  const size = Math.floor((hi - lo + 1) / n);
  if (size < 2) throw new Error(`the port range ${lo}-${hi} is too small for ${n} Janus processes`);
  return Array.from({ length: n }, (_, i) => [lo + i * size, i === n - 1 ? hi : lo + (i + 1) * size - 1] as [number, number]);
}

/** What the server's own Janus runs with; also written for a Janus of its own (`main.js janus-config DIR`). */
export function janusOptions(config: ServerConfig, dir: string): Omit<ManagedJanusOptions, 'pluginsFolder' | 'transportsFolder'> {
  return {
    dir,
    wsHost: config.janusWsHost,
    wsPort: config.janusWsPort,
    iceEnforceList: config.janusIceEnforceList,
    rtpPortRange: config.janusRtpPortRange,
    eventLoops: config.janusEventLoops,
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
