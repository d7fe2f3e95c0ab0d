import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { X509Certificate } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';

/**
 * TLS for the Space server itself (HTTPS and WSS on the same port), from a PEM certificate chain
 * and key. Kept apart from the HTTP layer so another one (Fastify's `https` option) takes the same
 * options. Behind nginx (docs/deploy.md) the server usually speaks plain HTTP on loopback instead.
 */
export function tlsOptions(certFile: string | undefined, keyFile: string | undefined): SecureContextOptions | undefined {
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new Error('TLS needs both SPACES_TLS_CERT and SPACES_TLS_KEY (or neither)');
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} ${file}: ${(err as Error).message}`);
    }
  };
  const cert = read(certFile, 'certificate');
  const key = read(keyFile, 'key');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new Error(`${certFile} is not a PEM certificate`);
  }
  // Refuse at start-up what every client would refuse later.
  if (Date.parse(leaf.validTo) < Date.now()) throw new Error(`the TLS certificate ${certFile} expired on ${leaf.validTo}`);
  return { cert, key, minVersion: 'TLSv1.2' };
}

/** An HTTPS server when TLS options are given, plain HTTP otherwise. */
export function createWebServer(tls: SecureContextOptions | undefined, handler: RequestListener): Server {
  // A key that does not match the certificate throws here (node:tls checks the pair).
  return tls ? (createHttpsServer(tls, handler) as unknown as Server) : createHttpServer(handler);
}
