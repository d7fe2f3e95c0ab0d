import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { createWebServer, tlsOptions } from './tls.js';

describe('the server speaking HTTPS and WSS itself (SPACES_TLS_CERT / SPACES_TLS_KEY)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spaces-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const otherKey = join(dir, 'other.pem');

  // Made while the suite is collected: the server below is built from them.
  const make = (k: string, c: string): void =>
    void execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', k, '-out', c, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  make(key, cert);
  make(otherKey, join(dir, 'other-cert.pem'));
  writeFileSync(join(dir, 'garbage.pem'), 'not a certificate');

  it('off without either variable; a typed refusal at start-up for half a configuration or a bad file', () => {
    expect(tlsOptions(undefined, undefined)).toBeUndefined();
    expect(() => tlsOptions(cert, undefined)).toThrow('TLS needs both SPACES_TLS_CERT and SPACES_TLS_KEY');
    expect(() => tlsOptions(undefined, key)).toThrow('TLS needs both');
    expect(() => tlsOptions(join(dir, 'missing.pem'), key)).toThrow(/cannot read the TLS certificate .*missing\.pem/);
    expect(() => tlsOptions(join(dir, 'garbage.pem'), key)).toThrow('is not a PEM certificate');
    // A key that does not belong to the certificate is refused when the server is made.
    expect(() => createWebServer(tlsOptions(cert, otherKey), () => undefined)).toThrow(/key values mismatch|KEY_VALUES_MISMATCH/i);
  });

  describe('with a certificate', () => {
    const server = createWebServer(tlsOptions(cert, key), (_, res) => res.writeHead(200).end('{"ok":true}'));
    const wss = new WebSocketServer({ noServer: true });
    let port = 0;
    beforeAll(async () => {
      server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.send('signaling')));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => server.close());

    it('serves HTTPS, and the WebSocket on the same port is WSS, verified against that certificate', async () => {
      const ca = readFileSync(cert);
      const body = await new Promise<string>((resolve, reject) =>
        get({ host: '127.0.0.1', port, path: '/healthz', ca }, (res) => {
          let b = '';
          res.on('data', (c) => (b += c));
          res.on('end', () => resolve(b));
        }).on('error', reject),
      );
      expect(body).toBe('{"ok":true}');
      const first = await new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { ca });
        ws.on('message', (m) => (resolve(String(m)), ws.close()));
        ws.on('error', reject);
      });
      expect(first).toBe('signaling');
      // A client without the certificate among its CAs refuses the server.
      await expect(
        new Promise((resolve, reject) => {
          const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`);
          ws.on('open', resolve);
          ws.on('error', reject);
        }),
      ).rejects.toThrow(/self.signed/i);
    });
  });
});
