import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors.js';
import { mayClip, mayDownloadRecording, mayRecord, roleAfterEnd } from '../../shared/roles.js';
import type { CaptionSegment } from '../../shared/transcript.js';
import type { ServerEvent } from '../../shared/signaling.js';
import type { Role, SpacePublic } from '../../shared/space.js';
import {
  MAX_CLIP_MS,
  type ClipPublic,
  type DownloadFormat,
  type RecordingAvailability,
  type RecordingPermissions,
  type RecordingState,
  type RecordingTimeline,
} from '../../shared/recording.js';
import type { Participant } from '../spaces/service.js';
import { DownloadBuilds } from './downloads.js';
import { DownloadGrants } from './grants.js';
import { segmentsCovering, vodPlaylist, type PlaylistSegment } from './playlist.js';
import { LivePlaylistCache } from './playlistCache.js';
import { Recorders, type TapPort } from './recorders.js';
import { Retention } from './retention.js';
import { RecordingStore, type RecordingRow, type Tombstone } from './store.js';

export type { TapPort } from './recorders.js';

/** What it needs of the Space service. */
export interface RecordingSpaces {
  get(spaceId: string): SpacePublic;
  roleIn(p: Participant, spaceId: string): Role | null;
  /** The Space's media key and the account that hosts it now (or hosted it at the end). */
  mediaKeyOf(spaceId: string): { key: number; hostAccountId: string };
}

export interface RecordingOptions {
  /** Root folder of all recordings (one folder per Space). */
  dir: string;
  /** Address the stage mix is sent to (this machine, as the media server sees it). */
  tapHost: string;
  tapPorts: [number, number];
  segmentS: number;
  /** Recording on by default for a Space whose host did not choose. */
  defaultOn: boolean;
  retentionMs: number;
  /** Who may save clips (roles); `listener` = anyone following the Space. */
  clipRoles: Role[];
  /** Segments in the live playlist's window. */
  liveWindow: number;
  publicUrl: () => string;
  publish: (spaceId: string, event: ServerEvent) => void;
  now?: () => number;
  gstBinary?: string;
  ffmpegBinary?: string;
}

/** The signaling requests of recording (handlers.ts). */
export type RecordingRequests = Pick<RecordingService, 'set' | 'state' | 'permissions' | 'downloadLink' | 'delete' | 'clip'>;
/** What HTTP serves (handlers.ts). */
export type RecordingReads = Pick<
  RecordingService,
  'livePlaylist' | 'replayPlaylist' | 'segmentDir' | 'timeline' | 'grantHolder' | 'download' | 'clipPublic' | 'clipPlaylist'
>;

const MAX_CLIPS_PER_SPACE = 500;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const newClipId = (): string => Array.from(randomBytes(12), (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');

/**
 * A Space's recording: the host's flag, the requests on it (who may record, clip, download and
 * delete: roles.ts decides), its state and the files HTTP serves. The parts are modules of their
 * own: the recorder processes (`recorders.ts`), every SQL statement (`store.ts`), the live
 * playlist cache (`playlistCache.ts`), the ffmpeg builds of downloads (`downloads.ts`) and the
 * retention sweep (`retention.ts`). SpaceService tells it when a Space goes live and ends (its
 * `live` and `ending` events, wired in app.ts).
 */
export class RecordingService {
  private readonly store: RecordingStore;
  private readonly recorders: Recorders;
  private readonly livePlaylists: LivePlaylistCache;
  private readonly builds: DownloadBuilds;
  private readonly retention: Retention;
  private readonly now: () => number;
  private readonly grants = new DownloadGrants();

  constructor(
    db: Database.Database,
    media: TapPort,
    private readonly spaces: RecordingSpaces,
    private readonly options: RecordingOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.store = new RecordingStore(db);
    this.recorders = new Recorders(this.store, media, {
      dir: options.dir,
      tapHost: options.tapHost,
      tapPorts: options.tapPorts,
      segmentS: options.segmentS,
      gstBinary: options.gstBinary,
      started: (spaceId) => this.publishState(spaceId),
    });
    this.livePlaylists = new LivePlaylistCache(this.store, options);
    this.builds = new DownloadBuilds(options.ffmpegBinary);
    this.retention = new Retention(this.store, options.retentionMs, (spaceId, reason) => void this.remove(spaceId, reason), this.now);
  }

  /** Closes the recordings interrupted by a server stop, then runs the retention sweep now and every `everyMs`. */
  startSweeping(everyMs = 3600_000): void {
    this.recorders.finishInterrupted(this.now());
    this.retention.start(everyMs);
  }

  async close(): Promise<void> {
    this.retention.stop();
    await this.recorders.closeAll();
  }

  // ---- Space lifecycle (called by SpaceService) ----

  /** The Space went live (or is live again after a server restart). */
  live(spaceId: string, key: number): void {
    if (this.recorders.has(spaceId)) return;
    if (!this.recorders.attach(spaceId, key)) {
      console.error(`[recording] no free tap port for Space ${spaceId}`);
      return;
    }
    let row = this.store.row(spaceId);
    if (!row && this.options.defaultOn && !this.store.tombstone(spaceId)) row = this.store.upsert(spaceId, true, this.now());
    if (row?.on_now) void this.recorders.start(spaceId);
    this.publishState(spaceId);
  }

  /**
   * The Space is ending. `staffAccountIds`: the owner first, then the co-hosts (who may download
   * and clip the replay).
   */
  ending(spaceId: string, staffAccountIds: string[]): void {
    const row = this.store.row(spaceId);
    if (!this.recorders.has(spaceId)) {
      // Armed but never live: nothing was recorded; close it all the same.
      if (row) this.store.close(spaceId, this.now(), staffAccountIds);
      return;
    }
    void (async () => {
      await this.recorders.stop(spaceId);
      this.recorders.detach(spaceId);
      if (row) this.store.close(spaceId, this.now(), staffAccountIds);
      this.publishState(spaceId);
    })().catch((err) => console.error(`[recording] ending ${spaceId}: ${(err as Error).message}`));
  }

  // ---- requests ----

  set(p: Participant, spaceId: string, on: boolean): RecordingState {
    const space = this.spaces.get(spaceId);
    if (space.state === 'ended') throw new AppError('invalid_state', 'this Space has ended');
    if (!mayRecord(this.spaces.roleIn(p, spaceId) ?? 'listener')) throw new AppError('forbidden', 'only the host turns recording on or off');
    this.store.clearTombstone(spaceId);
    this.store.upsert(spaceId, on, this.now());
    if (this.recorders.has(spaceId)) {
      if (on) void this.recorders.start(spaceId);
      else void this.recorders.stop(spaceId).then(() => this.publishState(spaceId));
    }
    return this.publishState(spaceId);
  }

  delete(p: Participant, spaceId: string): RecordingState {
    const space = this.spaces.get(spaceId);
    const row = this.store.row(spaceId);
    const isHost =
      space.state === 'ended'
        ? !!p.identity.accountId && this.spaces.mediaKeyOf(spaceId).hostAccountId === p.identity.accountId
        : mayRecord(this.spaces.roleIn(p, spaceId) ?? 'listener');
    if (!isHost) throw new AppError('forbidden', 'only the host deletes the recording');
    if (!row) throw new AppError('not_found', 'this Space has no recording');
    void this.remove(spaceId, 'deleted');
    return this.state(spaceId);
  }

  state(spaceId: string): RecordingState {
    const space = this.spaces.get(spaceId);
    const row = this.store.row(spaceId);
    const end = row ? this.store.endMs(spaceId) : undefined;
    const durationMs = end ?? 0;
    const segs = { length: end !== undefined ? 1 : 0 };
    const recording = this.recorders.has(spaceId);
    let availability: RecordingAvailability;
    const tomb = this.store.tombstone(spaceId);
    if (!row) availability = tomb ?? 'none';
    else if (row.ended_at !== null) availability = segs.length ? 'replay' : 'none';
    else if (space.state === 'ended') availability = recording ? 'recording' : 'none'; // 'recording': the last segment is being written
    else if (row.on_now) availability = space.state === 'live' || recording ? 'recording' : 'armed';
    else availability = segs.length ? 'paused' : 'none';
    return {
      spaceId,
      on: !!row?.on_now && space.state !== 'ended',
      availability,
      durationMs,
      segmentS: this.options.segmentS,
      expiresAt: row?.ended_at != null ? this.retention.expiresAt(row.ended_at) : null,
    };
  }

  clip(p: Participant, spaceId: string, durationMs: number, endMs?: number): { clip: ClipPublic; url: string } {
    const space = this.spaces.get(spaceId);
    const row = this.store.row(spaceId);
    if (!row) throw new AppError('not_found', 'this Space has no recording');
    if (!mayClip(this.roleOf(p, spaceId, row, space), this.options.clipRoles)) throw new AppError('forbidden', 'you may not save clips of this Space');
    const segs = this.segments(spaceId);
    const total = segs.length ? segs.at(-1)!.positionMs + segs.at(-1)!.durationMs : 0;
    if (total === 0) throw new AppError('invalid_state', 'nothing is recorded yet');
    const end = Math.min(endMs ?? total, total);
    const d = Math.min(durationMs, MAX_CLIP_MS, end);
    if (d < 1000) throw new AppError('invalid_state', 'a clip needs at least 1 s of recording before it');
    if (this.store.clipCount(spaceId) >= MAX_CLIPS_PER_SPACE) throw new AppError('rate_limited', `at most ${MAX_CLIPS_PER_SPACE} clips per Space`);
    const id = newClipId();
    const by = p.identity.handle ? `@${p.identity.handle}` : p.identity.displayName;
    this.store.addClip({ id, space_id: spaceId, start_ms: end - d, duration_ms: d, created_by: by, created_at: this.now() });
    return { clip: this.clipPublic(id)!, url: `${this.options.publicUrl()}/c/${id}` };
  }

  /** A caption arrived (host's Studio): it happened no earlier than `now - endMs` after the transcript's zero. */
  noteCaption(spaceId: string, segment: CaptionSegment): void {
    const row = this.store.row(spaceId);
    if (!row) return;
    const origin = this.now() - segment.endMs;
    if (row.transcript_origin_at === null || origin < row.transcript_origin_at) this.store.setTranscriptOrigin(spaceId, origin);
  }

  // ---- what HTTP serves ----

  /** null: no live recording to play (see playlistCache.ts: built from the newest rows, kept until the next segment). */
  livePlaylist(spaceId: string): string | null {
    return this.livePlaylists.get(spaceId);
  }

  replayPlaylist(spaceId: string): string | null {
    const row = this.store.row(spaceId);
    if (!row || row.ended_at === null) return null;
    const segs = this.segments(spaceId);
    return segs.length ? vodPlaylist(segs, { targetS: this.options.segmentS }) : null;
  }

  /** The folder of a segment the recording lists (anything else: null). */
  segmentDir(spaceId: string, file: string): string | null {
    return this.store.hasSegment(spaceId, file) ? this.recorders.dirOf(spaceId) : null;
  }

  timeline(spaceId: string): RecordingTimeline {
    const state = this.state(spaceId);
    const segs = this.store.row(spaceId) ? this.store.segments(spaceId) : [];
    const spans: RecordingTimeline['spans'] = [];
    const gaps: RecordingTimeline['gaps'] = [];
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i]!;
      const prev = segs[i - 1];
      if (!prev || prev.run !== s.run) {
        if (prev) gaps.push({ at: prev.started_at + prev.duration_ms, durationMs: Math.max(0, s.started_at - prev.started_at - prev.duration_ms) });
        spans.push({ positionMs: s.position_ms, durationMs: s.duration_ms, at: s.started_at });
      } else spans.at(-1)!.durationMs += s.duration_ms;
    }
    return { state, spans, gaps, transcriptOriginAt: this.store.row(spaceId)?.transcript_origin_at ?? null };
  }

  clipPublic(id: string): ClipPublic | null {
    const c = this.store.clip(id);
    if (!c) return null;
    let title = '';
    try {
      title = this.spaces.get(c.space_id).title;
    } catch {
      title = '';
    }
    return { id: c.id, spaceId: c.space_id, spaceTitle: title, startMs: c.start_ms, durationMs: c.duration_ms, createdBy: c.created_by, createdAt: c.created_at };
  }

  clipPlaylist(id: string): string | null {
    const c = this.clipPublic(id);
    if (!c) return null;
    const segs = segmentsCovering(this.segments(c.spaceId), c.startMs, c.startMs + c.durationMs);
    if (!segs.length) return null;
    return vodPlaylist(segs, { targetS: this.options.segmentS, uriPrefix: `/s/${c.spaceId}/hls/`, startOffsetMs: c.startMs - segs[0]!.positionMs });
  }

  /** What `p` may do with the recording of `spaceId` now (roles.ts decides; the requests check again). */
  permissions(p: Participant, spaceId: string): RecordingPermissions {
    const space = this.spaces.get(spaceId);
    const row = this.store.row(spaceId);
    if (!row) return { clip: false, download: false };
    const role = this.roleOf(p, spaceId, row, space);
    return { clip: mayClip(role, this.options.clipRoles), download: row.ended_at !== null && mayDownloadRecording(role) };
  }

  /** A download address for one file of the ended Space's recording, for its host or a co-host only. */
  downloadLink(p: Participant, spaceId: string, format: DownloadFormat): { url: string; expiresAt: number } {
    const accountId = p.identity.accountId;
    this.mayDownload(spaceId, accountId);
    const { grant, expiresAt } = this.grants.issue(spaceId, format, accountId!);
    return { url: `/s/${spaceId}/recording.${format}?grant=${grant}`, expiresAt };
  }

  /** The account a download grant was issued to, if it is genuine, current and for this very file. */
  grantHolder(grant: string, spaceId: string, format: DownloadFormat): string | null {
    return this.grants.check(grant, spaceId, format);
  }

  /**
   * The download file for `accountId` (the owner or a co-host of the ended Space), built on
   * first request. Refused (typed) for anyone else, and before the Space has ended.
   */
  async download(spaceId: string, format: DownloadFormat, accountId: string | null): Promise<{ dir: string; file: string }> {
    this.mayDownload(spaceId, accountId);
    const dir = this.recorders.dirOf(spaceId);
    const file = await this.builds.file(spaceId, dir, format, {
      runs: () => this.recorders.runsOnDisk(spaceId),
      segmentFiles: () => this.store.segments(spaceId).map((s) => s.file),
    });
    return { dir, file };
  }

  /** Deletes recordings past the retention period: files, segments, clips and the row; a tombstone says why. */
  sweep(at = this.now()): number {
    return this.retention.sweep(at);
  }

  /** Recorders of the recorded live Spaces by state: running, restarting (after an exit), starting (operator metrics). */
  recorderStates(): { running: number; restarting: number; starting: number } {
    return this.recorders.states();
  }

  // ---- internals ----

  /** Throws (typed) unless `accountId` may download this recording now: the owner or a co-host, after End. */
  private mayDownload(spaceId: string, accountId: string | null): RecordingRow {
    const row = this.store.row(spaceId);
    if (!accountId) throw new AppError('unauthenticated', 'sign in as the host or a co-host to download the recording');
    if (!row) throw new AppError('not_found', 'this Space has no recording');
    if (row.ended_at === null) {
      throw new AppError(this.recorders.has(spaceId) ? 'invalid_state' : 'forbidden', 'the recording can be downloaded after the Space ends');
    }
    if (!mayDownloadRecording(roleAfterEnd(accountId, this.staff(row)))) throw new AppError('forbidden', 'only the host and co-hosts may download the recording');
    return row;
  }

  private async remove(spaceId: string, reason: Tombstone): Promise<void> {
    await this.recorders.stop(spaceId);
    await this.recorders.untap(spaceId);
    this.store.remove(spaceId, reason, this.now());
    rmSync(this.recorders.dirOf(spaceId), { recursive: true, force: true });
    this.livePlaylists.forget(spaceId);
    this.publishState(spaceId);
  }

  /** `p`'s role for the recording's rules: their role in the live Space, or after End the one the staff list gives them. */
  private roleOf(p: Participant, spaceId: string, row: RecordingRow, space: SpacePublic): Role | null {
    if (space.state !== 'ended') return this.spaces.roleIn(p, spaceId);
    return roleAfterEnd(p.identity.accountId, this.staff(row));
  }

  private staff(row: RecordingRow): string[] {
    try {
      return JSON.parse(row.staff_account_ids) as string[];
    } catch {
      return [];
    }
  }

  private publishState(spaceId: string): RecordingState {
    const state = this.state(spaceId);
    this.options.publish(spaceId, { type: 'recording.state', state });
    return state;
  }

  private segments(spaceId: string): PlaylistSegment[] {
    return this.store
      .segments(spaceId)
      .map((s) => ({ seq: s.seq, run: s.run, file: s.file, durationMs: s.duration_ms, positionMs: s.position_ms, startedAt: s.started_at }));
  }
}
