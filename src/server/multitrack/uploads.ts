import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, truncateSync, writeFileSync, writeSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.js';
import { mayUploadTrack } from '../../shared/roles.js';
import { MAX_TRACK_BYTES, MAX_UPLOAD_CHUNK_BYTES, type ServerTrack } from '../../shared/multitrack.js';
import type { Participant, SpaceService } from '../spaces/service.js';

/** What uploads need of the Spaces: who is who, and who may read a Space's recordings. */
export type TrackSpaces = Pick<SpaceService, 'roleIn' | 'mayReadRecordings'>;

/** A speaker rarely has more than one take per Space; this bounds what one account can leave here. */
const MAX_UPLOADS_PER_ACCOUNT_AND_SPACE = 8;

interface Meta {
  uploadId: string;
  spaceId: string;
  takeId: string;
  accountId: string;
  handle: string;
  displayName: string;
  sampleRate: number;
  startedAt: number;
  complete: boolean;
  sha256: string | null;
}

/**
 * Speakers' own lossless tracks, uploaded from their Studio while they record (issue 13).
 * Stored as raw sample bytes (`<dir>/<spaceId>/<uploadId>.s24`, PCM 24-bit mono) with a JSON
 * sidecar. The file's length is the truth about what arrived, so a server restart mid-upload
 * resumes at the right offset. Only a speaker (host, co-host, speaker) of the Space uploads, and
 * only to their own upload; the host and co-hosts read them for the export.
 */
export class TrackUploads {
  private readonly byId = new Map<string, Meta>();

  constructor(
    private readonly dir: string,
    private readonly spaces: TrackSpaces,
  ) {
    mkdirSync(dir, { recursive: true });
    for (const space of readdirSync(dir)) {
      const sdir = join(dir, space);
      if (!statSync(sdir).isDirectory()) continue;
      for (const f of readdirSync(sdir)) {
        if (!f.endsWith('.json')) continue;
        try {
          const meta = JSON.parse(readFileSync(join(sdir, f), 'utf8')) as Meta;
          this.byId.set(meta.uploadId, meta);
        } catch {
          /* a sidecar cut by a crash: that upload starts again */
        }
      }
    }
  }

  begin(p: Participant, params: { spaceId: string; takeId: string; sampleRate: number; startedAt: number }): { uploadId: string; receivedBytes: number } {
    const accountId = p.identity.accountId;
    if (!accountId) throw new AppError('unauthenticated', 'sign in to upload your track');
    const role = this.spaces.roleIn(p, params.spaceId);
    if (!role || !mayUploadTrack(role)) throw new AppError('forbidden', 'only speakers of this Space upload a track');
    const mine = [...this.byId.values()].filter((m) => m.spaceId === params.spaceId && m.accountId === accountId);
    const existing = mine.find((m) => m.takeId === params.takeId);
    if (existing) {
      if (existing.complete) throw new AppError('invalid_state', 'this take was already uploaded');
      return { uploadId: existing.uploadId, receivedBytes: this.size(existing) };
    }
    if (mine.length >= MAX_UPLOADS_PER_ACCOUNT_AND_SPACE) throw new AppError('rate_limited', `at most ${MAX_UPLOADS_PER_ACCOUNT_AND_SPACE} takes per speaker and Space`);
    const meta: Meta = {
      uploadId: `u_${randomBytes(8).toString('hex')}`,
      spaceId: params.spaceId,
      takeId: params.takeId,
      accountId,
      handle: p.identity.handle ?? '',
      displayName: p.identity.displayName,
      sampleRate: params.sampleRate,
      startedAt: params.startedAt,
      complete: false,
      sha256: null,
    };
    mkdirSync(join(this.dir, meta.spaceId), { recursive: true });
    writeFileSync(this.data(meta), Buffer.alloc(0));
    this.save(meta);
    this.byId.set(meta.uploadId, meta);
    return { uploadId: meta.uploadId, receivedBytes: 0 };
  }

  chunk(p: Participant, params: { uploadId: string; offset: number; data: string }): { receivedBytes: number } {
    const meta = this.own(p, params.uploadId);
    if (meta.complete) throw new AppError('invalid_state', 'this upload is finished');
    const bytes = Buffer.from(params.data, 'base64');
    if (bytes.length === 0 || bytes.length > MAX_UPLOAD_CHUNK_BYTES) throw new AppError('too_large', `a chunk carries 1 to ${MAX_UPLOAD_CHUNK_BYTES} bytes`);
    const have = this.size(meta);
    if (params.offset !== have) throw new AppError('conflict', `the server holds ${have} bytes of this track: send from there`);
    if (have + bytes.length > MAX_TRACK_BYTES) throw new AppError('too_large', 'the track is larger than a WAV file can hold');
    const fd = openSync(this.data(meta), 'r+');
    try {
      writeSync(fd, bytes, 0, bytes.length, have);
    } finally {
      closeSync(fd);
    }
    return { receivedBytes: have + bytes.length };
  }

  finish(p: Participant, params: { uploadId: string; totalBytes: number; sha256: string; startedAt?: number }): { bytes: number; sha256: string } {
    const meta = this.own(p, params.uploadId);
    const have = this.size(meta);
    if (meta.complete) {
      if (meta.sha256 === params.sha256) return { bytes: have, sha256: meta.sha256 };
      throw new AppError('invalid_state', 'this upload is finished');
    }
    if (have !== params.totalBytes) throw new AppError('conflict', `the server holds ${have} bytes, not ${params.totalBytes}: send the rest`);
    const sha256 = this.hash(meta);
    if (sha256 !== params.sha256) {
      // Damaged on the way or on disk: start this track over rather than keep a bad copy.
      truncateSync(this.data(meta), 0);
      throw new AppError('conflict', 'the track did not match its SHA-256: it is being sent again');
    }
    meta.complete = true;
    meta.sha256 = sha256;
    // The Studio's final estimate of its first sample (within a second of the first one).
    if (params.startedAt !== undefined && Math.abs(params.startedAt - meta.startedAt) < 1000) meta.startedAt = params.startedAt;
    this.save(meta);
    return { bytes: have, sha256 };
  }

  list(p: Participant, spaceId: string): ServerTrack[] {
    this.mayRead(p, spaceId);
    return [...this.byId.values()]
      .filter((m) => m.spaceId === spaceId)
      .map((m) => ({
        uploadId: m.uploadId,
        accountId: m.accountId,
        handle: m.handle,
        displayName: m.displayName,
        sampleRate: m.sampleRate,
        startedAt: m.startedAt,
        bytes: this.size(m),
        complete: m.complete,
        sha256: m.sha256,
      }));
  }

  read(p: Participant, params: { uploadId: string; offset: number; length: number }): { data: string } {
    const meta = this.byId.get(params.uploadId);
    if (!meta) throw new AppError('not_found', 'no such upload');
    this.mayRead(p, meta.spaceId);
    const fd = openSync(this.data(meta), 'r');
    try {
      const buf = Buffer.alloc(params.length);
      const n = readSync(fd, buf, 0, params.length, params.offset);
      return { data: buf.subarray(0, n).toString('base64') };
    } finally {
      closeSync(fd);
    }
  }

  /** Who may read the tracks: the Space's answer (the same as for the recording's download). */
  mayRead(p: Participant, spaceId: string): void {
    if (this.spaces.mayReadRecordings(spaceId, { accountId: p.identity.accountId, participant: p })) return;
    throw new AppError('forbidden', 'only the host and co-hosts get the tracks of a Space');
  }

  private own(p: Participant, uploadId: string): Meta {
    const meta = this.byId.get(uploadId);
    if (!meta) throw new AppError('not_found', 'no such upload');
    if (!p.identity.accountId || meta.accountId !== p.identity.accountId) throw new AppError('forbidden', 'you can only upload your own track');
    return meta;
  }

  private data(m: Meta): string {
    return join(this.dir, m.spaceId, `${m.uploadId}.s24`);
  }

  private size(m: Meta): number {
    const f = this.data(m);
    return existsSync(f) ? statSync(f).size : 0;
  }

  private save(m: Meta): void {
    const file = join(this.dir, m.spaceId, `${m.uploadId}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(m));
    renameSync(`${file}.tmp`, file);
  }

  private hash(m: Meta): string {
    const h = createHash('sha256');
    const fd = openSync(this.data(m), 'r');
    try {
      const buf = Buffer.alloc(1024 * 1024);
      for (let at = 0; ; ) {
        const n = readSync(fd, buf, 0, buf.length, at);
        if (n <= 0) break;
        h.update(buf.subarray(0, n));
        at += n;
      }
    } finally {
      closeSync(fd);
    }
    return h.digest('hex');
  }
}
