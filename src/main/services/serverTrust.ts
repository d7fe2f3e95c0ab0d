import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type Database from 'better-sqlite3';
import WebSocket, { type ClientOptions } from 'ws';
import type { ServerCertificate, ServerProblem } from '../../shared/ipc.js';

/**
 * Why the Studio cannot use a server, in words that say which problem it is: a wrong address,
 * nothing listening, a certificate problem. Certificates are verified against the system's CAs;
 * a server whose certificate is not from a known authority (self-signed, a private CA) can be
 * trusted only by the user confirming its SHA-256 fingerprint, stored per server: never silently.
 */
export type ServerDiagnosis =
  | { kind: 'ok' }
  | { kind: 'pinned' }
  | { kind: 'untrusted'; message: string; certificate: ServerCertificate }
  | { kind: 'changed'; message: string; certificate: ServerCertificate }
  | { kind: 'bad_certificate'; message: string }
  | { kind: 'bad_url'; message: string }
  | { kind: 'refused'; message: string }
  | { kind: 'unreachable'; message: string }
  | { kind: 'not_a_space_server'; message: string }
  /** An http:// address of a server that speaks only HTTPS (it redirects, or TLS answers on that port). */
  | { kind: 'use_https'; message: string; httpsUrl: string };

/** The problems a connection can have, as the Studio names them to a person (ConnectionStatus.problem). */
export type ServerProblemKind = Exclude<ServerDiagnosis['kind'], 'ok' | 'pinned'>;
// The shared contract lists the same kinds (the renderer has a sentence for each).
const _sameKinds: [ServerProblemKind, ServerProblem['kind']] extends [ServerProblem['kind'], ServerProblemKind] ? true : never = true;
void _sameKinds;

const UNTRUSTED = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);

/** The certificate as the user compares it: SHA-256 fingerprint (colon-separated hex), names, validity. */
export function describeCertificate(cert: PeerCertificate): ServerCertificate {
  return {
    fingerprint256: cert.fingerprint256,
    subject: [cert.subject?.CN ?? ''].flat()[0] ?? '',
    issuer: [cert.issuer?.CN ?? ''].flat()[0] ?? '',
    validTo: new Date(cert.valid_to).toISOString(),
  };
}

/** Per-server trusted fingerprints, in the Studio's settings table. */
export class TrustedServers {
  constructor(private readonly db: Database.Database) {}
  get(origin: string): string | null {
    const row = this.db.prepare(`SELECT value FROM settings WHERE key = ?`).get(`trust:${origin}`) as { value: string } | undefined;
    return row?.value ?? null;
  }
  trust(origin: string, fingerprint256: string): void {
    this.db.prepare(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(`trust:${origin}`, fingerprint256);
  }
  forget(origin: string): void {
    this.db.prepare(`DELETE FROM settings WHERE key = ?`).run(`trust:${origin}`);
  }
}

function networkProblem(err: NodeJS.ErrnoException, url: URL): ServerDiagnosis {
  const where = url.host;
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { kind: 'bad_url', message: `No server called "${url.hostname}" was found: check the address.` };
    case 'ECONNREFUSED':
      return { kind: 'refused', message: `${where} refused the connection: no Space server is running there, or the port is wrong.` };
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { kind: 'unreachable', message: `${where} cannot be reached (${err.code}): check the address and your network.` };
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return { kind: 'bad_url', message: `${where} does not speak HTTPS: try http:// (or the right port).` };
    case 'ECONNRESET':
      return { kind: 'unreachable', message: `${where} closed the connection at once: check the address and port.` };
    default:
      return { kind: 'unreachable', message: `${where} cannot be reached: ${err.message}` };
  }
}

/** Checks the TLS certificate of an https server: trusted by the system, pinned by the user, or why not. */
function checkTls(url: URL, pinned: string | null, timeoutMs: number): Promise<ServerDiagnosis> {
  return new Promise((resolve) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket: TLSSocket = tlsConnect({ host, port: Number(url.port || 443), servername: /^[\d.]+$|:/.test(host) ? undefined : host, rejectUnauthorized: false, timeout: timeoutMs });
    const done = (d: ServerDiagnosis): void => {
      socket.destroy();
      resolve(d);
    };
    socket.once('timeout', () => done({ kind: 'unreachable', message: `${url.host} did not answer within ${timeoutMs / 1000} s: check the address and your network.` }));
    socket.once('error', (err) => done(networkProblem(err, url)));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const code = socket.authorizationError ? String((socket.authorizationError as unknown as { code?: string }).code ?? socket.authorizationError) : null;
      if (!code) return done({ kind: 'ok' });
      const certificate = describeCertificate(cert);
      if (code === 'CERT_HAS_EXPIRED') return done({ kind: 'bad_certificate', message: `The certificate of ${url.host} expired on ${certificate.validTo.slice(0, 10)}: the server must renew it.` });
      if (code === 'CERT_NOT_YET_VALID') return done({ kind: 'bad_certificate', message: `The certificate of ${url.host} is not valid yet (check this computer's clock).` });
      if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return done({ kind: 'bad_certificate', message: `The certificate of ${url.host} is for another name (${certificate.subject || 'unnamed'}): check the address.` });
      if (!UNTRUSTED.has(code)) return done({ kind: 'bad_certificate', message: `The certificate of ${url.host} is not valid (${code}).` });
      if (pinned === certificate.fingerprint256) return done({ kind: 'pinned' });
      if (pinned) {
        return done({
          kind: 'changed',
          certificate,
          message: `The certificate of ${url.host} has CHANGED since you trusted it (now SHA-256 ${certificate.fingerprint256}). Do not trust it unless the server's operator confirms this fingerprint.`,
        });
      }
      done({
        kind: 'untrusted',
        certificate,
        message: `The certificate of ${url.host} is not trusted (self-signed or from an unknown authority${certificate.issuer ? `: "${certificate.issuer}"` : ''}). SHA-256 fingerprint ${certificate.fingerprint256}: compare it with the one the server's operator gives you before you trust it.`,
      });
    });
  });
}

/**
 * Looks at a server the Studio failed to connect to (or is about to connect to over https) and
 * says which problem it is. `pinned` is the fingerprint the user trusted for this server, if any.
 */
export async function diagnoseServer(serverUrl: string, pinned: string | null, timeoutMs = 5000): Promise<ServerDiagnosis> {
  const d = await diagnoseAs(serverUrl, pinned, timeoutMs);
  if (d.kind === 'ok' || d.kind === 'pinned' || !serverUrl.startsWith('http:')) return d;
  // http:// that fails: a server that speaks only HTTPS says so by a redirect to https:// (nginx's
  // port 80), or by speaking TLS on the very port we tried (nothing but a closed connection or a
  // 400 over plain HTTP). Either way the person's fix is the same: use https://.
  const url = new URL(serverUrl);
  // (TLS on the port given; with no port, on 443.)
  const candidates = [d.kind === 'not_a_space_server' && d.location ? d.location : null, url.port ? `https://${url.host}` : `https://${url.hostname}`];
  for (const candidate of candidates) {
    if (!candidate || !candidate.startsWith('https:')) continue;
    const https = new URL(candidate);
    const tls = await checkTls(https, pinned, timeoutMs);
    if (tls.kind === 'refused' || tls.kind === 'unreachable' || tls.kind === 'bad_url') continue;
    return { kind: 'use_https', httpsUrl: https.origin, message: `${url.host} accepts only secure connections: use ${https.origin} (https://, not http://).` };
  }
  return d;
}

async function diagnoseAs(serverUrl: string, pinned: string | null, timeoutMs: number): Promise<ServerDiagnosis & { location?: string }> {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return { kind: 'bad_url', message: `"${serverUrl}" is not a server address (it looks like https://spaces.example.com).` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'bad_url', message: `"${serverUrl}" is not a server address: it starts with https:// (or http://).` };
  const tls = url.protocol === 'https:' ? await checkTls(url, pinned, timeoutMs) : { kind: 'ok' as const };
  if (tls.kind !== 'ok' && tls.kind !== 'pinned') return tls;
  // Reachable (and, over https, trusted): is it a Space server? Its /healthz answers {"ok":true}.
  return new Promise((resolve) => {
    // (With its own createConnection a request has no agent, hence no default port: give it.)
    const opts = { method: 'GET', timeout: timeoutMs, defaultPort: url.protocol === 'https:' ? 443 : 80, ...(tls.kind === 'pinned' ? pinnedOptions(pinned!) : {}) };
    const onResponse = (res: IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body = (body + c).slice(0, 200)));
      res.on('end', () =>
        resolve(
          res.statusCode === 200 && body.includes('"ok"')
            ? tls
            : { kind: 'not_a_space_server', location: res.headers.location, message: `${url.host} answers, but it is not a Space server (HTTP ${res.statusCode} at /healthz): check the address.` },
        ),
      );
    };
    const target = new URL('/healthz', url);
    const req: ClientRequest = (url.protocol === 'https:' ? httpsRequest : httpRequest)(target, opts, onResponse);
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => resolve(networkProblem(err, url)));
    req.end();
  });
}

/**
 * TLS options for a server whose certificate the user trusted: the chain is not checked against
 * the system's CAs, but the certificate must be exactly the one whose fingerprint they confirmed.
 * A mismatch ends the connection as the handshake completes, before the server can answer (the
 * request line sent with the handshake carries no secret: the session token goes after 'open').
 */
export function pinnedOptions(fingerprint256: string): Record<string, unknown> {
  return {
    rejectUnauthorized: false,
    // Used by node:https and ws for each new TLS socket.
    createConnection: (options: { host?: string; servername?: string }) => {
      const servername = options.servername || (options.host && !isIP(options.host) ? options.host : undefined);
      const socket = tlsConnect({ ...(options as object), servername, rejectUnauthorized: false });
      socket.once('secureConnect', () => {
        if (socket.getPeerCertificate().fingerprint256 !== fingerprint256) socket.destroy(new Error('the server certificate is not the one you trusted'));
      });
      return socket;
    },
  };
}

/** The Studio's WebSocket to a server: verified as usual, or pinned to the certificate the user trusted. */
export function openServerSocket(wsUrl: string, pinned: string | null): WebSocket {
  const options: ClientOptions = { handshakeTimeout: 5000 };
  if (pinned && wsUrl.startsWith('wss:')) Object.assign(options, pinnedOptions(pinned));
  return new WebSocket(wsUrl, options);
}
