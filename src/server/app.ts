import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hostingPolicy, parseEdges, parseRange, type ServerConfig } from './config.js';
import { AccountService } from './accounts.js';
import { SpaceStore, openServerDb } from './db.js';
import { createHttpHandler } from './http.js';
import { loadStatic } from './staticFiles.js';
import { JanusSupervisor } from './janus/supervisor.js';
import { ClientHub } from './clientHub.js';
import { JanusMediaPool, LOCAL_NODE } from './media/pool.js';
import type { JanusNodeOptions } from './media/janusNode.js';
import { watchEdgesFile } from './media/edgesFile.js';
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
  media: JanusMediaPool;
  signaling: SignalingServer;
  hub: ClientHub;
  /** Present when the server runs its own Janus. */
  janus?: JanusSupervisor;
  /** Extra Janus processes the server started (SPACES_LOCAL_EDGES). */
  localEdges: JanusSupervisor[];
  close(): Promise<void>;
}

/** Starts the Space server: its own Janus (or an external one), SQLite, HTTP and WebSocket. */
export async function startSpaceServer(config: ServerConfig, listenerDist = LISTENER_DIST): Promise<RunningServer> {
  // The server's own Janus (unless JANUS_URL names one) and any extra local ones split the RTP
  // and mountpoint port ranges between them, so that processes on one address never collide.
  const parts = 1 + config.localEdges;
  const rtpRanges = splitRange(parseRange(config.janusRtpPortRange), parts);
  const forwardRanges = splitRange(parseRange(config.forwardPortRange), parts);
  const supervise = (name: string, wsPort: number, rtp: [number, number]): JanusSupervisor => {
    const s = new JanusSupervisor({
      dir: join(config.dataDir, name),
      wsHost: '127.0.0.1',
      wsPort,
      iceEnforceList: config.janusIceEnforceList,
      rtpPortRange: `${rtp[0]}-${rtp[1]}`,
      eventLoops: config.janusEventLoops,
      binary: config.janusBinary,
    });
    s.on('error', (err: Error) => console.error(`[${name}] ${err.message}`));
    s.start();
    return s;
  };
  const janus = config.janusUrl ? undefined : supervise('janus', config.janusWsPort, rtpRanges[0]!);
  const localEdges = Array.from({ length: config.localEdges }, (_, i) => supervise(`janus-edge-${i + 1}`, config.janusWsPort + 1 + i, rtpRanges[i + 1]!));
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
  const media = new JanusMediaPool({ prebuffer: config.prebuffer, audienceLingerMs: 10_000 }, [
    node(LOCAL_NODE, config.janusUrl ?? janus!.url, config.forwardHost, forwardRanges[0]!),
    ...localEdges.map((s, i) => node(`local-edge-${i + 1}`, s.url, config.forwardHost, forwardRanges[i + 1]!)),
    ...edgeNodes(config.janusEdges),
  ]);
  const stopEdgesFile = config.janusEdgesFile
    ? watchEdgesFile(config.janusEdgesFile, (text) => {
        try {
          media.setEdges([...edgeNodes(config.janusEdges), ...edgeNodes(text)]);
        } catch (err) {
          console.error(`[media] ${config.janusEdgesFile}: ${(err as Error).message}; the pool is unchanged`);
        }
      })
    : () => undefined;
  const db = openServerDb(join(config.dataDir, 'spaces.db'));
  const accounts = new AccountService(db, hostingPolicy(config.hosting));
  const hub = new ClientHub();
  const spaces = new SpaceService({
    store: new SpaceStore(db),
    media,
    notifier: hub,
    options: {
      hostGraceMs: config.hostGraceMs,
      memberGraceMs: config.memberGraceMs,
      reactionLimit: { count: config.reactionsPer10s, windowMs: 10_000 },
    },
  });
  const stopMedia = async (): Promise<void> => {
    stopEdgesFile();
    media.stop();
    await Promise.all([janus?.stop(), ...localEdges.map((s) => s.stop())]);
  };
  try {
    await media.start(20_000);
    await spaces.restoreLive();
  } catch (err) {
    await stopMedia();
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
  const signaling = new SignalingServer(hub, spaces, accounts, sameHost, { ...scheduleHandlers(schedule), ...transcriptHandlers(transcript) });
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
    hub,
    janus,
    localEdges,
    async close() {
      signaling.close();
      spaces.stop();
      await new Promise<void>((r) => http.close(() => r()));
      await stopMedia();
      db.close();
    },
  };
}

/** Splits [lo, hi] into `n` consecutive ranges of (nearly) equal size. */
function splitRange([lo, hi]: [number, number], n: number): [number, number][] {
  const size = Math.floor((hi - lo + 1) / n);
  if (size < 2) throw new Error(`the port range ${lo}-${hi} is too small for ${n} Janus processes`);
  return Array.from({ length: n }, (_, i) => [lo + i * size, i === n - 1 ? hi : lo + (i + 1) * size - 1] as [number, number]);
}
