import { createECDH, createPublicKey, randomBytes, verify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
// http_ece: the reference implementation of RFC 8188 / RFC 8291 content encoding (Martin Thomson's).
import ece from 'http_ece';

export interface ReceivedPush {
  subscription: string;
  /** The decrypted payload (what the browser's service worker would get). */
  payload: string;
  headers: Record<string, string | string[] | undefined>;
  /** The VAPID JWT's claims (checked: ES256 signature by the key in `k=`). */
  vapid: { aud: string; sub: string; exp: number; publicKey: string };
}

/**
 * A push service of our own, on loopback: it hands out subscriptions (a P-256 key pair and an
 * auth secret per "browser", as a browser makes them), accepts Web Push requests (RFC 8030), checks
 * the VAPID authorization (RFC 8292) and decrypts the aes128gcm payload (RFC 8291) with the
 * subscriber's private key, over HTTPS like every push service. `status` decides what it
 * answers (201, or 410 for "gone").
 */
export async function startPushEndpoint() {
  // Push services speak HTTPS only: a self-signed certificate for 127.0.0.1, trusted by the
  // Space server through SPACES_PUSH_CA_FILE (as a real push service's is through the system CAs).
  const dir = mkdtempSync(join(tmpdir(), 'spaces-push-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const caFile = join(dir, 'cert.pem');
  const subs = new Map<string, { ecdh: ReturnType<typeof createECDH>; auth: Buffer; status: number }>();
  const received: ReceivedPush[] = [];
  const errors: string[] = [];
  const server: Server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(caFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = (req.url ?? '').split('/').pop() ?? '';
      const sub = subs.get(id);
      if (req.method !== 'POST' || !sub) return void res.writeHead(404).end();
      if (sub.status !== 201) return void res.writeHead(sub.status).end();
      try {
        const auth = String(req.headers.authorization ?? '');
        const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(auth);
        if (!m) throw new Error(`no VAPID authorization: ${auth}`);
        const [h, p, s] = m[1]!.split('.') as [string, string, string];
        const header = JSON.parse(Buffer.from(h, 'base64url').toString());
        if (header.alg !== 'ES256') throw new Error('VAPID JWT is not ES256');
        const pub = Buffer.from(m[2]!, 'base64url');
        const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33, 65).toString('base64url') }, format: 'jwk' });
        if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) throw new Error('VAPID signature does not verify');
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
        if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`content-encoding ${req.headers['content-encoding']}`);
        const payload = ece.decrypt(Buffer.concat(chunks), { version: 'aes128gcm', privateKey: sub.ecdh, authSecret: sub.auth.toString('base64url') }).toString('utf8');
        received.push({ subscription: id, payload, headers: req.headers, vapid: { ...claims, publicKey: m[2]! } });
        res.writeHead(201).end();
      } catch (err) {
        errors.push((err as Error).message);
        res.writeHead(400).end((err as Error).message);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    caFile,
    received,
    errors,
    /** A new browser's subscription (what PushSubscription.toJSON() gives). */
    subscribe(): { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string }; id: string } {
      const id = randomBytes(8).toString('hex');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      subs.set(id, { ecdh, auth, status: 201 });
      return { id, endpoint: `${base}/push/${id}`, expirationTime: null, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } };
    },
    /** From now on this subscription answers `status` (410: the browser unsubscribed). */
    setStatus(id: string, status: number): void {
      subs.get(id)!.status = status;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
