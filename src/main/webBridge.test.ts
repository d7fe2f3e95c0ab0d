import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startWebBridge, type WebBridge } from './webBridge.js';
import { coreHandlers } from './studioServices.js';
import { StudioService } from './services/studioService.js';
import { SettingsStore } from './services/settingsStore.js';
import { ServerSessions } from './services/serverSessions.js';
import { openStudioDb } from './services/studioDb.js';
import { BRIDGE_PATH } from '../shared/bridge.js';
import { STUDIO_CSP } from '../shared/csp.js';

/** Browser mode's access control: a one-time token, an HttpOnly cookie, and our own Origin. */
describe('web bridge (browser mode)', () => {
  let bridge: WebBridge;
  const db = openStudioDb(':memory:');
  const service = new StudioService(new SettingsStore(db), new ServerSessions(db), () => undefined);
  let cookie = '';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'renderer-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Studio</title>');
    bridge = await startWebBridge({ handlers: coreHandlers(service), rendererDir: dir });
  });
  afterAll(async () => {
    await bridge.close();
    db.close();
  });

  it('without the token nothing is served', async () => {
    const res = await fetch(`${bridge.origin}/`);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('one-time token');
  });

  it('the printed URL works once and sets an HttpOnly, SameSite=Strict session cookie', async () => {
    const first = await fetch(bridge.url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    const set = first.headers.get('set-cookie')!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    cookie = set.split(';')[0]!;
    const again = await fetch(bridge.url, { redirect: 'manual' });
    expect(again.status).toBe(403);
    const page = await fetch(`${bridge.origin}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(STUDIO_CSP);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('<title>Studio</title>');
    // Only files of the built renderer: no way out of its folder.
    expect([403, 404]).toContain((await fetch(`${bridge.origin}/..%2f..%2fetc%2fpasswd`, { headers: { cookie } })).status);
    expect((await fetch(`${bridge.origin}/assets/missing.js`, { headers: { cookie } })).status).toBe(404);
  });

  const open = (headers: Record<string, string>): Promise<WebSocket | number> =>
    new Promise((resolve) => {
      const ws = new WebSocket(bridge.origin.replace('http', 'ws') + BRIDGE_PATH, { headers });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });

  it('the bridge socket needs the session cookie and our own Origin', async () => {
    expect(await open({ origin: bridge.origin })).toBe(403);
    expect(await open({ cookie, origin: 'http://evil.example' })).toBe(403);
    expect(await open({ cookie: 'studio_session=guess', origin: bridge.origin })).toBe(403);
  });

  it('calls over the bridge are validated like IPC; junk frames are ignored', async () => {
    const ws = (await open({ cookie, origin: bridge.origin })) as WebSocket;
    const replies: unknown[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(d.toString())));
    ws.send('not json');
    ws.send(JSON.stringify({ id: 1, channel: 'settings:update', payload: { serverUrl: 'gopher://x' } }));
    ws.send(JSON.stringify({ id: 2, channel: 'settings:update', payload: { hostName: 'Bea' } }));
    await expect.poll(() => replies.length).toBe(2);
    expect(replies[0]).toMatchObject({ kind: 'result', id: 1, result: { ok: false, error: { code: 'bad_message' } } });
    expect(replies[1]).toMatchObject({ kind: 'result', id: 2, result: { ok: true, value: { hostName: 'Bea' } } });
    ws.close();
  });
});
