import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { diagnoseServer, openServerSocket, TrustedServers } from './serverTrust.js';
import { StudioService } from './studioService.js';
import { SettingsStore } from './settingsStore.js';
import { ServerSessions } from './serverSessions.js';
import { openStudioDb } from './studioDb.js';

/** Real servers on loopback: a self-signed HTTPS Space-server stand-in, a plain HTTP page, a closed port. */
describe('which problem a server has, and trusting a certificate by its fingerprint', () => {
  let https: Server;
  let other: Server;
  let httpsUrl: string;
  let fingerprint: string;

  const listen = (s: Server): Promise<number> => new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spaces-trust-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'),
      '-days', '2', '-subj', '/CN=studio-trust-test', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'c.pem'));
    fingerprint = new X509Certificate(cert).fingerprint256;
    https = createHttps({ cert, key: readFileSync(join(dir, 'k.pem')) }, (req, res) => {
      if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      else res.writeHead(404).end();
    }) as unknown as Server;
    const wss = new WebSocketServer({ server: https, path: '/ws' });
    wss.on('connection', (ws) => ws.send('hello'));
    httpsUrl = `https://127.0.0.1:${await listen(https)}`;
    other = createHttp((_, res) => res.writeHead(404).end('<h1>some other site</h1>'));
    await listen(other);
  });
  afterAll(() => {
    https.close();
    other.close();
  });

  it('a self-signed certificate is refused as not trusted, with its fingerprint to compare', async () => {
    const d = await diagnoseServer(httpsUrl, null);
    expect(d.kind).toBe('untrusted');
    if (d.kind !== 'untrusted') return;
    expect(d.message).toMatch(/is not trusted \(self-signed or from an unknown authority/);
    expect(d.certificate.fingerprint256).toBe(fingerprint);
    expect(d.message).toContain(fingerprint);
  });

  it('once its fingerprint is trusted the server is usable; a different certificate is reported as changed', async () => {
    expect((await diagnoseServer(httpsUrl, fingerprint)).kind).toBe('pinned');
    const other = fingerprint.replace(/^../, fingerprint.startsWith('00') ? '11' : '00');
    const d = await diagnoseServer(httpsUrl, other);
    expect(d.kind).toBe('changed');
    expect(d.kind === 'changed' && d.message).toMatch(/has CHANGED since you trusted it/);
  });

  it('the Studio socket connects to the pinned certificate only, and never silently to an untrusted one', async () => {
    const open = (pin: string | null): Promise<string> =>
      new Promise((resolve) => {
        const ws = openServerSocket(`${httpsUrl.replace('https', 'wss')}/ws`, pin);
        ws.on('message', (m) => (resolve(`message ${String(m)}`), ws.close()));
        ws.on('error', (e) => resolve(`error ${e.message}`));
      });
    expect(await open(fingerprint)).toBe('message hello');
    expect(await open(null)).toMatch(/^error .*self.signed/i);
    expect(await open(fingerprint.replace(/^../, fingerprint.startsWith('00') ? '11' : '00'))).toMatch(/^error .*not the one you trusted/);
  });

  it('a refused connection, a wrong address and a server that is not a Space server each say so', async () => {
    const closed = createHttp();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    const refused = await diagnoseServer(`http://127.0.0.1:${port}`, null);
    expect(refused).toEqual({ kind: 'refused', message: `127.0.0.1:${port} refused the connection: no Space server is running there, or the port is wrong.` });
    expect((await diagnoseServer(`https://127.0.0.1:${port}`, null)).kind).toBe('refused');

    const notUrl = await diagnoseServer('spaces example com', null);
    expect(notUrl.kind).toBe('bad_url');
    expect((await diagnoseServer('ftp://127.0.0.1', null)).kind).toBe('bad_url');

    const notSpaces = await diagnoseServer(`http://127.0.0.1:${(other.address() as AddressInfo).port}`, null);
    expect(notSpaces.kind).toBe('not_a_space_server');
    expect(notSpaces.kind === 'not_a_space_server' && notSpaces.message).toContain('HTTP 404 at /healthz');

    // HTTPS spoken to a plain HTTP server.
    const plain = await diagnoseServer(`https://127.0.0.1:${(other.address() as AddressInfo).port}`, null);
    expect(plain.kind).toBe('bad_url');
    expect(plain.kind === 'bad_url' && plain.message).toMatch(/does not speak HTTPS/);
  });

  it('http:// for a server that speaks only HTTPS says to use https:// (TLS on that port, or a redirect to https://)', async () => {
    const port = new URL(httpsUrl).port;
    const tlsOnly = await diagnoseServer(`http://127.0.0.1:${port}`, null);
    expect(tlsOnly).toMatchObject({ kind: 'use_https', httpsUrl: `https://127.0.0.1:${port}` });
    expect(tlsOnly.kind === 'use_https' && tlsOnly.message).toBe(`127.0.0.1:${port} accepts only secure connections: use https://127.0.0.1:${port} (https://, not http://).`);
    // nginx's port 80 in docs/deploy.md: everything redirects to https://.
    const redirect = createHttp((req, res) => res.writeHead(301, { location: `${httpsUrl}${req.url}` }).end());
    const rport = await listen(redirect);
    try {
      expect(await diagnoseServer(`http://127.0.0.1:${rport}`, null)).toMatchObject({ kind: 'use_https', httpsUrl });
    } finally {
      redirect.close();
    }
    // A plain HTTP site that is not a Space server stays "not a Space server".
    expect((await diagnoseServer(`http://127.0.0.1:${(other.address() as AddressInfo).port}`, null)).kind).toBe('not_a_space_server');
  });

  it("the Studio's connection status names the problem; a certificate is trusted only by the user, for that server", async () => {
    const db = openStudioDb(':memory:');
    const service = new StudioService(new SettingsStore(db), new ServerSessions(db), () => undefined, undefined, new TrustedServers(db));
    try {
      const closed = createHttp();
      const port = await listen(closed);
      await new Promise((r) => closed.close(r));
      const refused = await service.connect({ serverUrl: `http://127.0.0.1:${port}` });
      expect(refused.state).not.toBe('connected');
      expect(refused.error).toBe(`127.0.0.1:${port} refused the connection: no Space server is running there, or the port is wrong.`);

      const notSpaces = await service.connect({ serverUrl: `http://127.0.0.1:${(other.address() as AddressInfo).port}` });
      expect(notSpaces.error).toMatch(/answers, but it is not a Space server/);

      const untrusted = await service.connect({ serverUrl: httpsUrl });
      expect(untrusted).toMatchObject({ state: 'disconnected', certificate: { fingerprint256: fingerprint } });
      expect(untrusted.error).toMatch(/is not trusted/);
      // Trusting another fingerprint than the one presented is refused and stores nothing.
      const wrong = fingerprint.replace(/^../, fingerprint.startsWith('00') ? '11' : '00');
      await expect(service.trustCertificate({ serverUrl: httpsUrl, fingerprint256: wrong })).rejects.toThrow(/not trusted: .*CHANGED/);
      expect(new TrustedServers(db).get(httpsUrl)).toBeNull();
      // The right one: connected, and remembered for this server only.
      expect((await service.trustCertificate({ serverUrl: httpsUrl, fingerprint256: fingerprint })).state).toBe('connected');
      expect(new TrustedServers(db).get(httpsUrl)).toBe(fingerprint);
      expect(new TrustedServers(db).get(httpsUrl.replace('127.0.0.1', 'localhost'))).toBeNull();
    } finally {
      service.dispose();
      db.close();
    }
  });
});
