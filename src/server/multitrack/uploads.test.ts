import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrackUploads, type TrackSpaces } from './uploads.js';
import type { Participant } from '../spaces/service.js';
import { mayReadRecordings } from '../../shared/roles.js';
import type { Role } from '../../shared/space.js';
import { MAX_UPLOAD_CHUNK_BYTES } from '../../shared/multitrack.js';

/** Stand-in for SpaceService: who has which role in Space "space00001" (unit test only). */
function fakeSpaces(roles: Record<string, Role>): TrackSpaces {
  const roleIn = (p: Participant): Role | null => roles[p.identity.accountId ?? ''] ?? null;
  return {
    roleIn,
    mayReadRecordings: (_spaceId, who) => who.accountId === 'host' || (!!who.participant && mayReadRecordings(roleIn(who.participant) ?? 'listener')),
  };
}
const who = (accountId: string | null): Participant =>
  ({ identity: { accountId, handle: accountId, displayName: `Name ${accountId}`, guestKey: 'g' }, presence: new Map(), token: null, id: 'x' }) as unknown as Participant;
const SPACE = 'space00001';
const b64 = (b: Buffer): string => b.toString('base64');

describe('TrackUploads', () => {
  const setup = () => new TrackUploads(mkdtempSync(join(tmpdir(), 'uploads-')), fakeSpaces({ host: 'host', co: 'cohost', lis: 'listener' }));

  it('takes a speaker\'s own track in order, resumes at the server\'s offset, and seals it by SHA-256', () => {
    const dir = mkdtempSync(join(tmpdir(), 'uploads-'));
    const u = new TrackUploads(dir, fakeSpaces({ co: 'cohost', host: 'host' }));
    const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
    const { uploadId, receivedBytes } = u.begin(who('co'), { spaceId: SPACE, takeId: 't_aaaaaaaaaaaa', sampleRate: 48000, startedAt: 1 });
    expect(receivedBytes).toBe(0);
    expect(u.chunk(who('co'), { uploadId, offset: 0, data: b64(data.subarray(0, 1200)) })).toEqual({ receivedBytes: 1200 });
    // A resend of what the server already has (the reply was lost in a link cut) is refused with the offset.
    expect(() => u.chunk(who('co'), { uploadId, offset: 0, data: b64(data.subarray(0, 1200)) })).toThrow(/holds 1200 bytes/);
    // After a restart of the server, begin again: same upload, same offset.
    const again = new TrackUploads(dir, fakeSpaces({ co: 'cohost', host: 'host' }));
    expect(again.begin(who('co'), { spaceId: SPACE, takeId: 't_aaaaaaaaaaaa', sampleRate: 48000, startedAt: 1 })).toEqual({ uploadId, receivedBytes: 1200 });
    again.chunk(who('co'), { uploadId, offset: 1200, data: b64(data.subarray(1200)) });
    const sha = createHash('sha256').update(data).digest('hex');
    expect(() => again.finish(who('co'), { uploadId, totalBytes: 2999, sha256: sha })).toThrow(/holds 3000 bytes/);
    expect(again.finish(who('co'), { uploadId, totalBytes: 3000, sha256: sha })).toEqual({ bytes: 3000, sha256: sha });
    const listed = again.list(who('host'), SPACE);
    expect(listed).toMatchObject([{ uploadId, complete: true, sha256: sha, bytes: 3000, displayName: 'Name co' }]);
    expect(Buffer.from(again.read(who('host'), { uploadId, offset: 0, length: 3000 }).data, 'base64').equals(data)).toBe(true);
  });

  it('a damaged track (hash mismatch) is started over, not kept', () => {
    const u = setup();
    const { uploadId } = u.begin(who('co'), { spaceId: SPACE, takeId: 't_bbbbbbbbbbbb', sampleRate: 48000, startedAt: 1 });
    u.chunk(who('co'), { uploadId, offset: 0, data: b64(Buffer.alloc(300, 7)) });
    expect(() => u.finish(who('co'), { uploadId, totalBytes: 300, sha256: 'f'.repeat(64) })).toThrow(/did not match/);
    expect(u.begin(who('co'), { spaceId: SPACE, takeId: 't_bbbbbbbbbbbb', sampleRate: 48000, startedAt: 1 }).receivedBytes).toBe(0);
  });

  it('only speakers upload, only to their own track; only host and co-hosts read; chunks are bounded', () => {
    const u = setup();
    expect(() => u.begin(who(null), { spaceId: SPACE, takeId: 't_cccccccccccc', sampleRate: 48000, startedAt: 1 })).toThrow(/sign in/);
    expect(() => u.begin(who('lis'), { spaceId: SPACE, takeId: 't_cccccccccccc', sampleRate: 48000, startedAt: 1 })).toThrow(/only speakers/);
    const { uploadId } = u.begin(who('co'), { spaceId: SPACE, takeId: 't_cccccccccccc', sampleRate: 48000, startedAt: 1 });
    expect(() => u.chunk(who('host'), { uploadId, offset: 0, data: b64(Buffer.alloc(3)) })).toThrow(/your own track/);
    expect(() => u.chunk(who('co'), { uploadId, offset: 0, data: b64(Buffer.alloc(MAX_UPLOAD_CHUNK_BYTES + 3)) })).toThrow(/a chunk carries/);
    expect(() => u.list(who('lis'), SPACE)).toThrow(/only the host and co-hosts/);
    expect(() => u.read(who('lis'), { uploadId, offset: 0, length: 3 })).toThrow(/only the host and co-hosts/);
    expect(u.list(who('co'), SPACE)).toHaveLength(1);
  });
});
