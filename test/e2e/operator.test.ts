import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { startSpaceServer, LISTENER_DIST, type RunningServer } from '../../src/server/app.js';
import { configFromEnv } from '../../src/server/config.js';
import { apiClient } from '../support/apiClient.js';
import { tempDir } from '../support/stack.js';

const TOKEN = 'operator-metrics-token-0123456789';
const PASSWORD = 'correct horse battery staple';

/**
 * Issue 19: what the operator gets. /metrics answers only where the operator allowed it (the
 * token on the server's port, or an address of its own); the JSON log of a sign-in, a session
 * resume and an authenticated download holds neither the password nor the session token.
 */
describe('the operator\'s instruments', () => {
  let server: RunningServer;
  let open: RunningServer;
  const lines: string[] = [];

  beforeAll(async () => {
    const capture = new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) });
    server = await startSpaceServer(
      configFromEnv({}, { dataDir: tempDir('operator'), port: 0, janusIceEnforceList: 'd0', janusWsPort: 8193, logLevel: 'debug', metricsToken: TOKEN, metricsAddress: '127.0.0.1:0' }),
      LISTENER_DIST,
      undefined,
      capture,
    );
    open = await startSpaceServer(configFromEnv({}, { dataDir: tempDir('operator-open'), port: 0, janusIceEnforceList: 'd0', janusWsPort: 8194, logLevel: 'silent' }));
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await open?.close();
  });

  it('/metrics is refused without the token, and served with it', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);
    const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/plain');
    expect(await ok.text()).toContain('spaces_media_node_up{node="local"} 1');
  });

  it('a server with no metrics configured does not serve them', async () => {
    expect((await fetch(`${open.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${open.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });

  it('the metrics address of its own serves /metrics and nothing else', async () => {
    const addr = server.metricsServer!.address() as { port: number };
    const base = `http://127.0.0.1:${addr.port}`;
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    expect((await fetch(`${base}/s/anything`)).status).toBe(404);
  });

  it('the log of a sign-in holds no password and no token, and every HTTP request has an id', async () => {
    const a = await apiClient(server.url);
    const { token } = await a.request('auth.register', { handle: 'op_alice', displayName: 'Alice', password: PASSWORD });
    const b = await apiClient(server.url);
    await b.request('auth.signIn', { handle: 'op_alice', password: PASSWORD });
    const c = await apiClient(server.url);
    await c.request('auth.resume', { token });
    await fetch(`${server.url}/s/nosuchspace0/recording.m4a?token=${encodeURIComponent(token)}`, { headers: { authorization: `Bearer ${token}`, cookie: `session=${token}` } });
    const reply = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'op-test-42' } });
    expect(reply.headers.get('x-request-id')).toBe('op-test-42');
    for (const x of [a, b, c]) x.close();
    await expect.poll(() => lines.some((l) => l.includes('"msg":"signed in"')), { timeout: 5000 }).toBe(true);
    const log = lines.join('');
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.filter((e) => e.msg === 'signed in').length).toBe(3);
    expect(entries.some((e) => e.msg === 'request' && e.type === 'auth.signIn')).toBe(true);
    expect(entries.some((e) => e.reqId === 'op-test-42')).toBe(true);
    expect(log).toContain('recording.m4a?token=%5Bredacted%5D');
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(token);
  });
});
