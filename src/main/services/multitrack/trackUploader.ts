import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_UPLOAD_CHUNK_BYTES, type TakeInfo, type UploadState } from '../../../shared/multitrack.js';
import type { RequestParams, RequestType } from '../../../shared/signaling.js';
import { AppError } from '../../../shared/errors.js';
import type { TakeUpload } from './takeRecorder.js';
import { WAV_HEADER_BYTES } from './wav.js';

export type ServerRequest = <T extends RequestType>(type: T, params: RequestParams<T>) => Promise<unknown>;

/** Errors that mean "the same request will never work": stop instead of retrying. */
const PERMANENT = new Set(['not_found', 'invalid_state', 'bad_message', 'too_large']);
/**
 * Refusals that are normal for a moment after a reconnect (the connection is not signed in or
 * back in the Space yet): retried, but not for longer than this.
 */
const REFUSAL_GRACE_MS = 120_000;

/**
 * Sends a take's mic track (the WAV's sample bytes) to the Space server while it is recorded:
 * `track.begin` says how much the server holds, `track.chunk` sends the rest in order, and at the
 * end `track.finish` has the server check the whole track against its SHA-256. Any failure (a
 * link cut, the server restarting) just means asking `track.begin` again after a pause and going
 * on from the server's offset, so an upload resumes where it stopped and never sends twice.
 */
export class TrackUploader implements TakeUpload {
  private fd: number;
  private uploadId: string | null = null;
  private sent = 0;
  private total: number | null = null;
  private current: UploadState = { state: 'waiting', sentBytes: 0, totalBytes: 0, message: null };
  private wake: (() => void) | null = null;
  private disposed = false;
  private refusedSince: number | null = null;
  /** When the last failure started (for the resume time the benchmark reports). */
  failedAt: number | null = null;
  lastResumeMs: number | null = null;

  constructor(
    private readonly take: TakeInfo,
    micFile: string,
    private readonly request: ServerRequest,
    private readonly onState: (state: UploadState) => void,
    private readonly retryMs = 500,
  ) {
    this.fd = openSync(micFile, 'r');
    void this.pump();
  }

  grew(): void {
    this.wake?.();
  }

  finish(totalBytes: number): void {
    this.total = totalBytes;
    this.wake?.();
  }

  state(): UploadState {
    return { ...this.current };
  }

  dispose(): void {
    this.disposed = true;
    this.wake?.();
  }

  private set(state: UploadState['state'], message: string | null = null): void {
    const onDisk = Math.max(0, fstatSync(this.fd).size - WAV_HEADER_BYTES);
    this.current = { state, sentBytes: this.sent, totalBytes: this.total ?? onDisk, message };
    this.onState(this.state());
  }

  private async pump(): Promise<void> {
    const spaceId = this.take.spaceId!;
    try {
      while (!this.disposed) {
        try {
          if (!this.uploadId) {
            const r = (await this.request('track.begin', {
              spaceId,
              takeId: this.take.id,
              sampleRate: this.take.sampleRate,
              startedAt: this.take.startedAt + this.take.serverOffsetMs,
            })) as { uploadId: string; receivedBytes: number };
            this.uploadId = r.uploadId;
            this.sent = r.receivedBytes;
            if (this.failedAt !== null) {
              this.lastResumeMs = Date.now() - this.failedAt;
              this.failedAt = null;
            }
            this.set('uploading');
          }
          const available = this.total ?? Math.max(0, fstatSync(this.fd).size - WAV_HEADER_BYTES);
          // Whole samples only while the file grows (the recorder writes whole samples).
          const end = this.total ?? available - (available % 3);
          if (this.sent < end) {
            const length = Math.min(MAX_UPLOAD_CHUNK_BYTES, end - this.sent);
            const buf = Buffer.alloc(length);
            const n = readSync(this.fd, buf, 0, length, WAV_HEADER_BYTES + this.sent);
            const r = (await this.request('track.chunk', { uploadId: this.uploadId, offset: this.sent, data: buf.subarray(0, n).toString('base64') })) as { receivedBytes: number };
            this.sent = r.receivedBytes;
            this.set('uploading');
            continue;
          }
          if (this.total !== null) {
            await this.request('track.finish', { uploadId: this.uploadId, totalBytes: this.total, sha256: this.hash(this.total), startedAt: this.take.startedAt + this.take.serverOffsetMs });
            this.set('done');
            return;
          }
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            setTimeout(resolve, 1000);
          });
          this.wake = null;
        } catch (err) {
          const e = AppError.from(err);
          const refused = e.code === 'forbidden' || e.code === 'unauthenticated';
          if (!refused) this.refusedSince = null;
          else this.refusedSince ??= Date.now();
          if (PERMANENT.has(e.code) || (refused && Date.now() - this.refusedSince! > REFUSAL_GRACE_MS)) {
            this.set('failed', e.message);
            return;
          }
          // The link is down, the server is restarting, or our offset was stale: ask again.
          this.failedAt ??= Date.now();
          this.uploadId = null;
          this.set('retrying', e.message);
          await new Promise((r) => setTimeout(r, this.retryMs));
        }
      }
    } finally {
      closeSync(this.fd);
    }
  }

  private hash(total: number): string {
    const h = createHash('sha256');
    const buf = Buffer.alloc(1024 * 1024);
    for (let at = 0; at < total; ) {
      const n = readSync(this.fd, buf, 0, Math.min(buf.length, total - at), WAV_HEADER_BYTES + at);
      if (n <= 0) throw new AppError('internal', 'the take file is shorter than recorded');
      h.update(buf.subarray(0, n));
      at += n;
    }
    return h.digest('hex');
  }
}
