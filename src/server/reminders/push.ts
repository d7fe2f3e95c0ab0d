import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import webpush, { WebPushError } from 'web-push';
import type { SendOutcome } from './queue.js';
import type { PushTarget } from './store.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** The server's VAPID key pair: made once, kept in `file` (readable by the server only). */
export function loadVapidKeys(file: string): VapidKeys {
  if (existsSync(file)) {
    const k = JSON.parse(readFileSync(file, 'utf8')) as VapidKeys;
    if (typeof k.publicKey === 'string' && typeof k.privateKey === 'string') return k;
    throw new Error(`${file} is not a VAPID key file; move it away and the server makes a new pair (existing push subscriptions then stop working)`);
  }
  const k = webpush.generateVAPIDKeys();
  writeFileSync(file, JSON.stringify(k), { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return k;
}

/** RFC 8030 Topic: at most 32 base64url characters, the same for the same message. */
export const topicOf = (key: string): string => createHash('sha256').update(key).digest('base64url').slice(0, 32);

/**
 * Sends Web Push messages (RFC 8030 delivery, RFC 8291 aes128gcm encryption, RFC 8292 VAPID)
 * with the `web-push` library. 404/410 mean the subscription is gone (the browser unsubscribed
 * or the user revoked permission): the caller drops it.
 */
export class PushSender {
  constructor(
    private readonly keys: VapidKeys,
    private readonly subject: string,
    /** An extra CA (PEM) trusted for push endpoints besides the system's: tests run their own push service. */
    extraCa?: string,
  ) {
    this.agent = extraCa ? new Agent({ ca: [...rootCertificates, extraCa], keepAlive: true }) : undefined;
  }

  private readonly agent: Agent | undefined;

  get publicKey(): string {
    return this.keys.publicKey;
  }

  acceptsEndpoint(endpoint: string): boolean {
    // Push services are reached over TLS only (RFC 8030 §8).
    return new URL(endpoint).protocol === 'https:';
  }

  async send(target: PushTarget, payload: string, key: string, ttlSeconds: number): Promise<SendOutcome> {
    try {
      await webpush.sendNotification({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, payload, {
        vapidDetails: { subject: this.subject, publicKey: this.keys.publicKey, privateKey: this.keys.privateKey },
        TTL: ttlSeconds,
        topic: topicOf(key),
        urgency: 'high',
        contentEncoding: 'aes128gcm',
        timeout: 10_000,
        ...(this.agent ? { agent: this.agent } : {}),
      });
      return { ok: true };
    } catch (err) {
      if (err instanceof WebPushError) {
        const s = err.statusCode;
        if (s === 404 || s === 410) return { ok: false, permanent: true, gone: true, error: `push service: ${s} (subscription gone)` };
        if (s === 429 || s >= 500) return { ok: false, permanent: false, error: `push service: ${s}` };
        return { ok: false, permanent: true, error: `push service refused: ${s} ${err.body?.slice(0, 200) ?? ''}` };
      }
      return { ok: false, permanent: false, error: (err as Error).message };
    }
  }
}
