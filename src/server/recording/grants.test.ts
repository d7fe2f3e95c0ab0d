import { describe, expect, it } from 'vitest';
import { DownloadGrants, GRANT_TTL_MS } from './grants.js';

describe('download grants', () => {
  it('name one file and one account, run out, and cannot be forged or moved to another file', () => {
    let now = 1_000_000;
    const grants = new DownloadGrants(undefined, () => now);
    const { grant, expiresAt } = grants.issue('abcdefghij', 'm4a', 'acc1');
    expect(expiresAt).toBe(now + GRANT_TTL_MS);
    expect(grants.check(grant, 'abcdefghij', 'm4a')).toBe('acc1');
    expect(grants.check(grant, 'abcdefghij', 'flac')).toBeNull();
    expect(grants.check(grant, 'zzzzzzzzzz', 'm4a')).toBeNull();
    // Another account written into the body: the signature no longer matches.
    const [, mac] = grant.split('.');
    const forged = Buffer.from(JSON.stringify({ s: 'abcdefghij', f: 'm4a', a: 'acc2', e: expiresAt })).toString('base64url');
    expect(grants.check(`${forged}.${mac}`, 'abcdefghij', 'm4a')).toBeNull();
    // Another server's key.
    expect(new DownloadGrants(undefined, () => now).check(grant, 'abcdefghij', 'm4a')).toBeNull();
    for (const junk of ['', '.', 'a.b.c', 'x'.repeat(500)]) expect(grants.check(junk, 'abcdefghij', 'm4a')).toBeNull();
    now = expiresAt + 1;
    expect(grants.check(grant, 'abcdefghij', 'm4a')).toBeNull();
  });
});
