import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { createLogger, loggableUrl } from './logging.js';
import { ServerMetrics, bearerMatches, metricsRoute, type MetricSources } from './metrics.js';

const sources: MetricSources = {
  liveSpaces: () => [{ spaceId: 'abc', listeners: 3 }],
  audiences: () => [
    { spaceId: 'abc', node: 'local', listeners: 2 },
    { spaceId: 'abc', node: 'edge', listeners: 1 },
  ],
  nodes: () => [
    { id: 'local', up: true, listeners: 2, cap: 500, stages: 1 },
    { id: 'edge', up: false, listeners: 1, cap: 500, stages: 0 },
  ],
  connections: () => ({ open: 4, slowClosed: 2 }),
  recorders: () => ({ running: 1, restarting: 0, starting: 0 }),
};

describe('/metrics access', () => {
  const metrics = new ServerMetrics(sources);
  const app = async (token: string | undefined) => {
    const a = Fastify();
    metricsRoute(a, metrics, token);
    await a.ready();
    return a;
  };

  it('does not exist on the server port when no token is configured', async () => {
    expect((await (await app(undefined)).inject({ url: '/metrics' })).statusCode).toBe(404);
  });

  it('answers only the bearer of the configured token', async () => {
    const a = await app('a-metrics-token-of-32-characters');
    expect((await a.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect((await a.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await a.inject({ url: '/metrics', headers: { authorization: 'Bearer a-metrics-token-of-32-characterX' } })).statusCode).toBe(401);
    const ok = await a.inject({ url: '/metrics', headers: { authorization: 'Bearer a-metrics-token-of-32-characters' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('spaces_listeners{space="abc"} 3');
    expect(bearerMatches(undefined, 'x')).toBe(false);
  });

  it('reads the features at each scrape', async () => {
    const text = await metrics.text();
    expect(text).toContain('spaces_webrtc_listeners{space="abc",node="local"} 2');
    expect(text).toContain('spaces_webrtc_listeners{space="abc",node="edge"} 1');
    expect(text).toContain('spaces_media_node_up{node="edge"} 0');
    expect(text).toContain('spaces_slow_consumer_disconnects_total 2');
    expect(text).toContain('spaces_recorders{state="running"} 1');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    metrics.signalingRequest('listen.start', 0.01, null);
    metrics.signalingRequest('listen.start', 0.01, 'audience_full');
    const after = await metrics.text();
    expect(after).toContain('spaces_joins_total{kind="listen"} 1');
    expect(after).toContain('spaces_join_refusals_total{kind="listen",code="audience_full"} 1');
  });
});

describe('the log', () => {
  it('censors credentials in headers, secret fields and query strings', () => {
    const lines: string[] = [];
    const log = createLogger('info', new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) }));
    log.info({ req: { method: 'GET', url: '/s/x/recording.m4a?token=sekrit-token&format=m4a', headers: { authorization: 'Bearer sekrit-token', cookie: 'sid=sekrit-token' } } }, 'request');
    log.info({ account: { handle: 'alice', password: 'hunter2-password', token: 'sekrit-token' } }, 'account');
    const text = lines.join('');
    expect(text).not.toContain('sekrit-token');
    expect(text).not.toContain('hunter2-password');
    expect(text).toContain('"handle":"alice"');
    expect(loggableUrl('/a?token=x&b=1')).toBe('/a?token=%5Bredacted%5D&b=1');
  });
});
