import { createServer, type Server } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { NodeStatus } from '../media/port.js';

/** WebRTC listeners of one Space on one media node (the pool's placement). */
export interface AudienceShare {
  spaceId: string;
  node: string;
  listeners: number;
}

/** What the metrics read at each scrape; each a small view of one feature, not the feature. */
export interface MetricSources {
  /** Live Spaces and the listeners each counts (people in the audience, whatever they hear it with). */
  liveSpaces(): { spaceId: string; listeners: number }[];
  /** WebRTC listeners by Space and media node. */
  audiences(): AudienceShare[];
  nodes(): NodeStatus[];
  /** Open signaling connections and the clients cut for not reading their socket so far. */
  connections(): { open: number; slowClosed: number };
  /** Recorders by state (running, restarting, starting). */
  recorders(): Record<string, number>;
}

/** Request types that admit someone somewhere: their answers are joins or refusals. */
const JOIN_KINDS: Record<string, string> = { 'space.join': 'space', 'listen.start': 'listen', 'stage.join': 'stage' };
/** An HLS client counts as listening while it fetched the live playlist this recently. */
const HLS_ACTIVE_MS = 10_000;

/**
 * The server's Prometheus metrics (prom-client): gauges read from the features at scrape time,
 * counters fed by the transports (signaling requests, HTTP requests) and the media supervisors.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly joins: Counter<'kind'>;
  private readonly refusals: Counter<'kind' | 'code'>;
  private readonly signalingSeconds: Histogram<'type' | 'outcome'>;
  private readonly httpSeconds: Histogram<'method' | 'route' | 'status'>;
  private readonly nodeDown: Counter<'node'>;
  private readonly janusRestarts: Counter<'process'>;
  private readonly slowClosed: Counter;
  private slowSeen = 0;
  private readonly nodeWasUp = new Map<string, boolean>();
  /** spaceId -> client -> last live-playlist fetch. */
  private readonly hls = new Map<string, Map<string, number>>();

  constructor(
    private readonly sources: MetricSources,
    private readonly now: () => number = Date.now,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[], collect: (g: Gauge<L>) => void): Gauge<L> =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          collect(this);
        },
      });
    gauge('spaces_live', 'Live Spaces', [], (g) => g.set(this.sources.liveSpaces().length));
    gauge('spaces_listeners', 'Listeners in the audience of each live Space (WebRTC or HLS)', ['space'], (g) => {
      for (const s of this.sources.liveSpaces()) g.set({ space: s.spaceId }, s.listeners);
    });
    gauge('spaces_webrtc_listeners', 'WebRTC listeners of each Space on each media node', ['space', 'node'], (g) => {
      for (const a of this.sources.audiences()) g.set({ space: a.spaceId, node: a.node }, a.listeners);
    });
    gauge('spaces_hls_listeners', `Clients that fetched a Space's live HLS playlist in the last ${HLS_ACTIVE_MS / 1000} s (behind a CDN: its edges)`, ['space'], (g) => {
      const since = this.now() - HLS_ACTIVE_MS;
      for (const [space, clients] of this.hls) {
        for (const [client, at] of clients) if (at < since) clients.delete(client);
        if (clients.size === 0) this.hls.delete(space);
        else g.set({ space }, clients.size);
      }
    });
    gauge('spaces_media_node_listeners', 'Listeners placed on each media node', ['node'], (g) => {
      for (const n of this.sources.nodes()) g.set({ node: n.id }, n.listeners);
    });
    gauge('spaces_media_node_capacity', 'Listener cap of each media node', ['node'], (g) => {
      for (const n of this.sources.nodes()) g.set({ node: n.id }, n.cap);
    });
    gauge('spaces_media_node_up', '1 while the server holds a session with the media node', ['node'], (g) => {
      for (const n of this.sources.nodes()) g.set({ node: n.id }, n.up ? 1 : 0);
    });
    gauge('spaces_media_node_stages', 'Stages (AudioBridge rooms) on each media node', ['node'], (g) => {
      for (const n of this.sources.nodes()) g.set({ node: n.id }, n.stages);
    });
    gauge('spaces_connections', 'Open signaling (WebSocket) connections', [], (g) => g.set(this.sources.connections().open));
    gauge('spaces_recorders', 'Recorder processes by state', ['state'], (g) => {
      for (const [state, n] of Object.entries(this.sources.recorders())) g.set({ state }, n);
    });
    this.slowClosed = new Counter({
      name: 'spaces_slow_consumer_disconnects_total',
      help: 'Clients disconnected for not reading their socket',
      registers,
      collect: () => {
        const total = this.sources.connections().slowClosed;
        if (total > this.slowSeen) this.slowClosed.inc(total - this.slowSeen);
        this.slowSeen = total;
      },
    });
    this.joins = new Counter({ name: 'spaces_joins_total', help: 'Admissions: into a Space (space), its audio (listen), its stage (stage)', labelNames: ['kind'], registers });
    this.refusals = new Counter({ name: 'spaces_join_refusals_total', help: 'Refused admissions by kind and error code', labelNames: ['kind', 'code'], registers });
    this.signalingSeconds = new Histogram({
      name: 'spaces_signaling_request_duration_seconds',
      help: 'Signaling requests by type and outcome',
      labelNames: ['type', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.httpSeconds = new Histogram({
      name: 'spaces_http_request_duration_seconds',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.nodeDown = new Counter({ name: 'spaces_media_node_down_total', help: 'Times a media node went away', labelNames: ['node'], registers });
    this.janusRestarts = new Counter({ name: 'spaces_janus_restarts_total', help: 'Restarts of the Janus processes the server runs', labelNames: ['process'], registers });
  }

  /** One answered signaling request (from the transport). */
  signalingRequest(type: string, seconds: number, errorCode: string | null): void {
    this.signalingSeconds.observe({ type, outcome: errorCode ? 'error' : 'ok' }, seconds);
    const kind = JOIN_KINDS[type];
    if (!kind) return;
    if (errorCode) this.refusals.inc({ kind, code: errorCode });
    else this.joins.inc({ kind });
  }

  /** A media node's status changed (the pool's `node` event). */
  nodeStatus(n: NodeStatus): void {
    if (this.nodeWasUp.get(n.id) && !n.up) this.nodeDown.inc({ node: n.id });
    this.nodeWasUp.set(n.id, n.up);
  }

  /** A Janus process the server supervises was started again. */
  janusRestarted(processName: string): void {
    this.janusRestarts.inc({ process: processName });
  }

  /** Times HTTP requests and counts live-playlist clients (hooks on the server's Fastify). */
  instrument(app: FastifyInstance): void {
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched';
      this.httpSeconds.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      if (route === '/s/:id/hls/live.m3u8' && reply.statusCode < 400) {
        const space = (req.params as { id: string }).id;
        let clients = this.hls.get(space);
        if (!clients) this.hls.set(space, (clients = new Map()));
        clients.set(`${req.ip} ${req.headers['user-agent'] ?? ''}`, this.now());
      }
    });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Where /metrics may be read: nowhere (default), with a bearer token on the main port, and/or on an address of its own. */
export interface MetricsAccess {
  /** `Authorization: Bearer <token>` opens /metrics on the server's own port. */
  token?: string;
  /** host:port of a separate listener serving only /metrics (bind it to a private or loopback address). */
  address?: string;
}

/** True when `header` carries the bearer token (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7));
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * /metrics on the server's port: with a token configured it answers holders of the token (401
 * to others); without one it does not exist there (404), as for any unknown path.
 */
export function metricsRoute(app: FastifyInstance, metrics: Pick<ServerMetrics, 'text' | 'contentType'>, token: string | undefined): void {
  if (!token) return;
  app.get('/metrics', async (req, reply) => {
    if (!bearerMatches(req.headers.authorization, token)) {
      return reply.code(401).header('WWW-Authenticate', 'Bearer realm="metrics"').type('text/plain; charset=utf-8').send('a metrics token is needed');
    }
    return reply.type(metrics.contentType).send(await metrics.text());
  });
}

/** A listener of its own for /metrics (`SPACES_METRICS_ADDRESS`): nothing else is served there. */
export async function startMetricsListener(address: string, metrics: Pick<ServerMetrics, 'text' | 'contentType'>): Promise<Server> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(at + 1));
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://x').pathname !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('only /metrics is served here');
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
