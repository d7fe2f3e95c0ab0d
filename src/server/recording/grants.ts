import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DownloadFormat } from '../../shared/recording.js';

/** How long a download address works after it is handed out. */
export const GRANT_TTL_MS = 5 * 60_000;

export interface DownloadGrant {
  spaceId: string;
  format: DownloadFormat;
  accountId: string;
  expiresAt: number;
}

/**
 * Download grants (issue 18): instead of the session token in a URL (history, proxy logs), the
 * page asks for a grant for one file; the grant names the Space, the format and the account, runs
 * out after a few minutes, and is signed with a key that never leaves this process. It proves
 * only who asked: the recording service still checks, for every file it serves, that this account
 * may download it now.
 */
export class DownloadGrants {
  constructor(
    private readonly key: Buffer = randomBytes(32),
    private readonly now: () => number = Date.now,
  ) {}

  issue(spaceId: string, format: DownloadFormat, accountId: string): { grant: string; expiresAt: number } {
    const expiresAt = this.now() + GRANT_TTL_MS;
    const body = Buffer.from(JSON.stringify({ s: spaceId, f: format, a: accountId, e: expiresAt })).toString('base64url');
    return { grant: `${body}.${this.sign(body)}`, expiresAt };
  }

  /** The account the grant was issued to, if it is genuine, unexpired and for exactly this file; else null. */
  check(grant: string, spaceId: string, format: DownloadFormat): string | null {
    const [body, mac, extra] = grant.split('.');
    if (!body || !mac || extra !== undefined) return null;
    const want = Buffer.from(this.sign(body));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    let g: { s?: unknown; f?: unknown; a?: unknown; e?: unknown };
    try {
      g = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof g;
    } catch {
      return null;
    }
    if (g.s !== spaceId || g.f !== format || typeof g.a !== 'string' || typeof g.e !== 'number' || g.e < this.now()) return null;
    return g.a;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(`spaces-download-grant\n${body}`).digest('base64url');
  }
}
