import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
import type { MediaPort } from '../media/port.js';
import type { Participant } from '../spaces/service.js';
import { Recorder, readRunSegments } from './recorder.js';
import { DownloadGrants } from './grants.js';
import { livePlaylist, segmentsCovering, vodPlaylist, type PlaylistSegment } from './playlist.js';

/** What the recording service needs of media: the program tap and the stage-reset signal (issue 11's port). */
export type TapPort = Pick<MediaPort, 'addTap' | 'removeTap' | 'tapFormat'> & {
  on(event: 'stageReset', listener: (e: { key: number; node: string }) => void): unknown;
};

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

interface RecordingRow {
  space_id: string;
  on_now: number;
  staff_account_ids: string;
  transcript_origin_at: number | null;
  created_at: number;
  ended_at: number | null;
}
interface SegmentRow {
  seq: number;
  run: number;
  file: string;
  duration_ms: number;
  position_ms: number;
  started_at: number;
}

interface Active {
  key: number;
  port: number;
  tapped: boolean;
  recorder?: Recorder;
  poll?: NodeJS.Timeout;
  restart?: NodeJS.Timeout;
  /** Resolves when the current recorder process has exited. */
  exited?: Promise<void>;
}

const TAP_ID = 'recorder';
const MAX_CLIPS_PER_SPACE = 500;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const newClipId = (): string => Array.from(randomBytes(12), (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');

/**
 * A Space's recording: the host's flag, one GStreamer recorder per recorded live Space (fed by a
 * media tap of the stage mix), its segments in SQLite (the playlists are built from the rows),
 * clips, downloads (remuxed/concatenated once with ffmpeg on first request) and the retention
 * sweep. SpaceService tells it when a Space goes live and ends (its `live` and `ending` events, wired in app.ts).
 */
export class RecordingService {
  private readonly active = new Map<string, Active>();
  private readonly builds = new Map<string, Promise<void>>();
  private readonly liveCache = new Map<string, { key: string; text: string }>();
  private readonly now: () => number;
  private sweepTimer?: NodeJS.Timeout;
  private readonly grants = new DownloadGrants();

  constructor(
    private readonly db: Database.Database,
    private readonly media: TapPort,
    private readonly spaces: RecordingSpaces,
    private readonly options: RecordingOptions,
  ) {
    this.now = options.now ?? Date.now;
    mkdirSync(options.dir, { recursive: true });
    media.on('stageReset', ({ key }) => this.onStageReset(key));
  }

  /** Runs the retention sweep now and every `everyMs`. */
  startSweeping(everyMs = 3600_000): void {
    this.finishInterrupted();
    this.sweep();
    this.sweepTimer = setInterval(() => this.sweep(), everyMs);
    this.sweepTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    for (const [spaceId] of this.active) await this.stopRecorder(spaceId);
    this.active.clear();
  }

  // ---- Space lifecycle (called by SpaceService) ----

  /** The Space went live (or is live again after a server restart). */
  live(spaceId: string, key: number): void {
    if (this.active.has(spaceId)) return;
    const port = this.freePort();
    if (port < 0) {
      console.error(`[recording] no free tap port for Space ${spaceId}`);
      return;
    }
    this.active.set(spaceId, { key, port, tapped: false });
    let row = this.row(spaceId);
    if (!row && this.options.defaultOn && !this.tombstone(spaceId)) row = this.upsert(spaceId, true);
    if (row?.on_now) void this.startRecorder(spaceId);
    this.publishState(spaceId);
  }

  /**
   * The Space is ending. `staffAccountIds`: the owner first, then the co-hosts (who may download
   * and clip the replay).
   */
  ending(spaceId: string, staffAccountIds: string[]): void {
    const a = this.active.get(spaceId);
    const row = this.row(spaceId);
    if (!a) {
      // Armed but never live: nothing was recorded; close it all the same.
      if (row) this.db.prepare(`UPDATE recordings SET ended_at = ?, on_now = 0, staff_account_ids = ? WHERE space_id = ?`).run(this.now(), JSON.stringify(staffAccountIds), spaceId);
      return;
    }
    void (async () => {
      await this.stopRecorder(spaceId);
      this.active.delete(spaceId);
      if (row) {
        this.db
          .prepare(`UPDATE recordings SET ended_at = ?, on_now = 0, staff_account_ids = ? WHERE space_id = ?`)
          .run(this.now(), JSON.stringify(staffAccountIds), spaceId);
      }
      this.publishState(spaceId);
    })().catch((err) => console.error(`[recording] ending ${spaceId}: ${(err as Error).message}`));
  }

  // ---- requests ----

  set(p: Participant, spaceId: string, on: boolean): RecordingState {
    const space = this.spaces.get(spaceId);
    if (space.state === 'ended') throw new AppError('invalid_state', 'this Space has ended');
    if (!mayRecord(this.spaces.roleIn(p, spaceId) ?? 'listener')) throw new AppError('forbidden', 'only the host turns recording on or off');
    this.db.prepare(`DELETE FROM recording_tombstones WHERE space_id = ?`).run(spaceId);
    this.upsert(spaceId, on);
    if (this.active.has(spaceId)) {
      if (on) void this.startRecorder(spaceId);
      else void this.stopRecorder(spaceId).then(() => this.publishState(spaceId));
    }
    return this.publishState(spaceId);
  }

  delete(p: Participant, spaceId: string): RecordingState {
    const space = this.spaces.get(spaceId);
    const row = this.row(spaceId);
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
    const row = this.row(spaceId);
    const last = row
      ? (this.db.prepare(`SELECT position_ms + duration_ms AS end FROM recording_segments WHERE space_id = ? ORDER BY seq DESC LIMIT 1`).get(spaceId) as
          | { end: number }
          | undefined)
      : undefined;
    const durationMs = last?.end ?? 0;
    const segs = { length: last ? 1 : 0 };
    const a = this.active.get(spaceId);
    let availability: RecordingAvailability;
    const tomb = this.tombstone(spaceId);
    if (!row) availability = tomb ?? 'none';
    else if (row.ended_at !== null) availability = segs.length ? 'replay' : 'none';
    else if (space.state === 'ended') availability = a ? 'recording' : 'none'; // 'recording': the last segment is being written
    else if (row.on_now) availability = space.state === 'live' || a ? 'recording' : 'armed';
    else availability = segs.length ? 'paused' : 'none';
    return {
      spaceId,
      on: !!row?.on_now && space.state !== 'ended',
      availability,
      durationMs,
      segmentS: this.options.segmentS,
      expiresAt: row?.ended_at != null ? row.ended_at + this.options.retentionMs : null,
    };
  }

  clip(p: Participant, spaceId: string, durationMs: number, endMs?: number): { clip: ClipPublic; url: string } {
    const space = this.spaces.get(spaceId);
    const row = this.row(spaceId);
    if (!row) throw new AppError('not_found', 'this Space has no recording');
    if (!mayClip(this.roleOf(p, spaceId, row, space), this.options.clipRoles)) throw new AppError('forbidden', 'you may not save clips of this Space');
    const segs = this.segments(spaceId);
    const total = segs.length ? segs.at(-1)!.positionMs + segs.at(-1)!.durationMs : 0;
    if (total === 0) throw new AppError('invalid_state', 'nothing is recorded yet');
    const end = Math.min(endMs ?? total, total);
    const d = Math.min(durationMs, MAX_CLIP_MS, end);
    if (d < 1000) throw new AppError('invalid_state', 'a clip needs at least 1 s of recording before it');
    const clips = (this.db.prepare(`SELECT COUNT(*) AS n FROM clips WHERE space_id = ?`).get(spaceId) as { n: number }).n;
    if (clips >= MAX_CLIPS_PER_SPACE) throw new AppError('rate_limited', `at most ${MAX_CLIPS_PER_SPACE} clips per Space`);
    const id = newClipId();
    const by = p.identity.handle ? `@${p.identity.handle}` : p.identity.displayName;
    this.db
      .prepare(`INSERT INTO clips (id, space_id, start_ms, duration_ms, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(id, spaceId, end - d, d, by, this.now());
    return { clip: this.clipPublic(id)!, url: `${this.options.publicUrl()}/c/${id}` };
  }

  /** A caption arrived (host's Studio): it happened no earlier than `now - endMs` after the transcript's zero. */
  noteCaption(spaceId: string, segment: CaptionSegment): void {
    const row = this.row(spaceId);
    if (!row) return;
    const origin = this.now() - segment.endMs;
    if (row.transcript_origin_at === null || origin < row.transcript_origin_at) {
      this.db.prepare(`UPDATE recordings SET transcript_origin_at = ? WHERE space_id = ?`).run(origin, spaceId);
    }
  }

  // ---- what HTTP serves ----

  /**
   * null: no live recording to play. Built from the newest rows only and kept until the next
   * segment arrives, so the work per request does not grow with the recording or the audience.
   */
  livePlaylist(spaceId: string): string | null {
    const row = this.row(spaceId);
    if (!row) return null;
    const last = this.db.prepare(`SELECT MAX(seq) AS s FROM recording_segments WHERE space_id = ?`).get(spaceId) as { s: number | null };
    if (last.s === null) return null;
    const key = `${last.s}/${row.ended_at !== null}`;
    const cached = this.liveCache.get(spaceId);
    if (cached?.key === key) return cached.text;
    const rows = (
      this.db
        .prepare(`SELECT seq, run, file, duration_ms, position_ms, started_at FROM recording_segments WHERE space_id = ? ORDER BY seq DESC LIMIT ?`)
        .all(spaceId, this.options.liveWindow) as SegmentRow[]
    ).reverse();
    // Runs only grow with seq: the run changes before the window = distinct runs up to its first segment - 1.
    const runs = this.db.prepare(`SELECT COUNT(DISTINCT run) AS n FROM recording_segments WHERE space_id = ? AND seq <= ?`).get(spaceId, rows[0]!.seq) as { n: number };
    const text = livePlaylist(
      rows.map((s) => ({ seq: s.seq, run: s.run, file: s.file, durationMs: s.duration_ms, positionMs: s.position_ms, startedAt: s.started_at })),
      { targetS: this.options.segmentS, discontinuitySequence: runs.n - 1, ended: row.ended_at !== null },
    );
    this.liveCache.set(spaceId, { key, text });
    return text;
  }

  replayPlaylist(spaceId: string): string | null {
    const row = this.row(spaceId);
    if (!row || row.ended_at === null) return null;
    const segs = this.segments(spaceId);
    return segs.length ? vodPlaylist(segs, { targetS: this.options.segmentS }) : null;
  }

  /** The folder of a segment the recording lists (anything else: null). */
  segmentDir(spaceId: string, file: string): string | null {
    const hit = this.db.prepare(`SELECT 1 FROM recording_segments WHERE space_id = ? AND file = ?`).get(spaceId, file);
    return hit ? this.dirOf(spaceId) : null;
  }

  timeline(spaceId: string): RecordingTimeline {
    const state = this.state(spaceId);
    const segs = this.row(spaceId) ? this.segmentRows(spaceId) : [];
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
    return { state, spans, gaps, transcriptOriginAt: this.row(spaceId)?.transcript_origin_at ?? null };
  }

  clipPublic(id: string): ClipPublic | null {
    const c = this.db.prepare(`SELECT * FROM clips WHERE id = ?`).get(id) as
      | { id: string; space_id: string; start_ms: number; duration_ms: number; created_by: string; created_at: number }
      | undefined;
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
    const row = this.row(spaceId);
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

  /** Throws (typed) unless `accountId` may download this recording now: the owner or a co-host, after End. */
  private mayDownload(spaceId: string, accountId: string | null): RecordingRow {
    const row = this.row(spaceId);
    if (!accountId) throw new AppError('unauthenticated', 'sign in as the host or a co-host to download the recording');
    if (!row) throw new AppError('not_found', 'this Space has no recording');
    if (row.ended_at === null) {
      throw new AppError(this.active.has(spaceId) ? 'invalid_state' : 'forbidden', 'the recording can be downloaded after the Space ends');
    }
    if (!mayDownloadRecording(roleAfterEnd(accountId, this.staff(row)))) throw new AppError('forbidden', 'only the host and co-hosts may download the recording');
    return row;
  }

  /**
   * The download file for `accountId` (the owner or a co-host of the ended Space), built on
   * first request. Refused (typed) for anyone else, and before the Space has ended.
   */
  async download(spaceId: string, format: DownloadFormat, accountId: string | null): Promise<{ dir: string; file: string }> {
    this.mayDownload(spaceId, accountId);
    const file = `recording.${format}`;
    const dir = this.dirOf(spaceId);
    if (existsSync(join(dir, file))) return { dir, file };
    const key = `${spaceId}.${format}`;
    let build = this.builds.get(key);
    if (!build) {
      build = this.build(spaceId, format).finally(() => this.builds.delete(key));
      this.builds.set(key, build);
    }
    await build;
    return { dir, file };
  }

  /** Deletes recordings past the retention period: files, segments, clips and the row; a tombstone says why. */
  sweep(at = this.now()): number {
    const cutoff = at - this.options.retentionMs;
    const old = this.db.prepare(`SELECT space_id FROM recordings WHERE ended_at IS NOT NULL AND ended_at <= ?`).all(cutoff) as { space_id: string }[];
    for (const r of old) void this.remove(r.space_id, 'expired');
    return old.length;
  }

  // ---- internals ----

  /**
   * Recordings of Spaces that ended while this server was not there to finish them (killed at
   * End): their segments are on disk; ingest them and close the recording as the owner's.
   */
  private finishInterrupted(): void {
    const open = this.db
      .prepare(
        `SELECT r.space_id, s.host_account_id, s.ended_at FROM recordings r JOIN spaces s ON s.id = r.space_id WHERE r.ended_at IS NULL AND s.state = 'ended'`,
      )
      .all() as { space_id: string; host_account_id: string; ended_at: number | null }[];
    for (const r of open) {
      if (this.active.has(r.space_id)) continue;
      this.ingest(r.space_id);
      this.db
        .prepare(`UPDATE recordings SET ended_at = ?, on_now = 0, staff_account_ids = ? WHERE space_id = ?`)
        .run(r.ended_at ?? this.now(), JSON.stringify([r.host_account_id]), r.space_id);
    }
  }

  private async remove(spaceId: string, reason: 'expired' | 'deleted'): Promise<void> {
    await this.stopRecorder(spaceId);
    const a = this.active.get(spaceId);
    if (a?.tapped) {
      a.tapped = false;
      await this.media.removeTap(a.key, TAP_ID).catch(() => undefined);
    }
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM recordings WHERE space_id = ?`).run(spaceId);
      this.db.prepare(`INSERT OR REPLACE INTO recording_tombstones (space_id, reason, at) VALUES (?, ?, ?)`).run(spaceId, reason, this.now());
    })();
    rmSync(this.dirOf(spaceId), { recursive: true, force: true });
    this.liveCache.delete(spaceId);
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

  private row(spaceId: string): RecordingRow | undefined {
    return this.db.prepare(`SELECT * FROM recordings WHERE space_id = ?`).get(spaceId) as RecordingRow | undefined;
  }

  private tombstone(spaceId: string): 'expired' | 'deleted' | null {
    const t = this.db.prepare(`SELECT reason FROM recording_tombstones WHERE space_id = ?`).get(spaceId) as { reason: 'expired' | 'deleted' } | undefined;
    return t?.reason ?? null;
  }

  private upsert(spaceId: string, on: boolean): RecordingRow {
    this.db
      .prepare(`INSERT INTO recordings (space_id, on_now, created_at) VALUES (?, ?, ?) ON CONFLICT(space_id) DO UPDATE SET on_now = excluded.on_now`)
      .run(spaceId, on ? 1 : 0, this.now());
    return this.row(spaceId)!;
  }

  private segmentRows(spaceId: string): SegmentRow[] {
    return this.db.prepare(`SELECT seq, run, file, duration_ms, position_ms, started_at FROM recording_segments WHERE space_id = ? ORDER BY seq`).all(spaceId) as SegmentRow[];
  }

  private segments(spaceId: string): PlaylistSegment[] {
    return this.segmentRows(spaceId).map((s) => ({ seq: s.seq, run: s.run, file: s.file, durationMs: s.duration_ms, positionMs: s.position_ms, startedAt: s.started_at }));
  }

  private dirOf(spaceId: string): string {
    return join(this.options.dir, spaceId);
  }

  private freePort(): number {
    const used = new Set([...this.active.values()].map((a) => a.port));
    const [lo, hi] = this.options.tapPorts;
    for (let p = lo + (lo % 2); p <= hi; p += 2) if (!used.has(p)) return p;
    return -1;
  }

  private runsOnDisk(spaceId: string): number[] {
    try {
      return readdirSync(this.dirOf(spaceId))
        .map((f) => /^r(\d+)\.m3u8$/.exec(f)?.[1])
        .filter((r): r is string => !!r)
        .map(Number)
        .sort((a, b) => a - b);
    } catch {
      return [];
    }
  }

  /**
   * Appends the finished segments of runs from the newest stored one on, in run order. Idempotent:
   * the recorder's own playlists on disk are the truth, so segments finished just before a crash
   * of the server are picked up when it comes back.
   */
  private ingest(spaceId: string): void {
    if (!this.row(spaceId)) return;
    const dir = this.dirOf(spaceId);
    const lastRun = (this.db.prepare(`SELECT MAX(run) AS r FROM recording_segments WHERE space_id = ?`).get(spaceId) as { r: number | null }).r ?? 0;
    const runs = this.runsOnDisk(spaceId).filter((r) => r >= lastRun);
    if (!runs.length) return;
    const known = new Set(
      (this.db.prepare(`SELECT file FROM recording_segments WHERE space_id = ? AND run >= ?`).all(spaceId, lastRun) as { file: string }[]).map((r) => r.file),
    );
    const last = this.db
      .prepare(`SELECT seq, run, position_ms, duration_ms, started_at FROM recording_segments WHERE space_id = ? ORDER BY seq DESC LIMIT 1`)
      .get(spaceId) as { seq: number; run: number; position_ms: number; duration_ms: number; started_at: number } | undefined;
    // Where the previous segment of the same run ended (wall clock): a segment closed late (the
    // input stalled, then end-of-stream) must not claim it started later than that.
    let prevEnd = last ? { run: last.run, at: last.started_at + last.duration_ms } : null;
    let seq = last ? last.seq + 1 : 0;
    let position = last ? last.position_ms + last.duration_ms : 0;
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO recording_segments (space_id, seq, run, file, duration_ms, position_ms, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const run of runs) {
        for (const s of readRunSegments(dir, run)) {
          if (known.has(s.file)) continue;
          const byMtime = s.closedAt - s.durationMs;
          const startedAt = prevEnd && prevEnd.run === run ? Math.min(byMtime, prevEnd.at) : byMtime;
          insert.run(spaceId, seq++, run, s.file, s.durationMs, position, startedAt);
          position += s.durationMs;
          prevEnd = { run, at: startedAt + s.durationMs };
        }
      }
    })();
  }

  /** Recorders of the recorded live Spaces by state: running, restarting (after an exit), starting (operator metrics). */
  recorderStates(): { running: number; restarting: number; starting: number } {
    const states = { running: 0, restarting: 0, starting: 0 };
    for (const a of this.active.values()) {
      if (a.recorder) states.running++;
      else if (a.restart) states.restarting++;
      else states.starting++;
    }
    return states;
  }

  private async startRecorder(spaceId: string): Promise<void> {
    const a = this.active.get(spaceId);
    if (!a || a.recorder) return;
    clearTimeout(a.restart);
    const dir = this.dirOf(spaceId);
    mkdirSync(dir, { recursive: true });
    this.ingest(spaceId); // earlier runs first: positions stay in order
    const run = Math.max(0, ...this.runsOnDisk(spaceId)) + 1;
    // Claim the run's playlist name at once, so a crash before its first segment cannot reuse it.
    writeFileSync(join(dir, `r${run}.m3u8`), '#EXTM3U\n');
    const recorder = new Recorder({ dir, host: this.options.tapHost, port: a.port, segmentS: this.options.segmentS, gstBinary: this.options.gstBinary, input: this.media.tapFormat }, run);
    a.recorder = recorder;
    let exited!: () => void;
    a.exited = new Promise((r) => (exited = r));
    recorder.on('exit', (code: number | null, signal: string | null, err: string) => {
      exited();
      if (a.recorder !== recorder) return;
      a.recorder = undefined;
      this.ingest(spaceId);
      console.error(`[recording] recorder of ${spaceId} exited (${signal ?? code}) ${err}`);
      // Recording is still wanted: the next run starts; the gap is marked by the run change.
      if (this.active.get(spaceId) === a && this.row(spaceId)?.on_now) a.restart = setTimeout(() => void this.startRecorder(spaceId), 300);
    });
    recorder.start();
    a.poll ??= setInterval(() => this.ingest(spaceId), 250);
    if (!a.tapped) {
      a.tapped = true;
      await this.media.addTap(a.key, { id: TAP_ID, host: this.options.tapHost, port: a.port }).catch((err: Error) => {
        console.error(`[recording] tap for ${spaceId}: ${err.message}`);
      });
    }
    this.publishState(spaceId);
  }

  private async stopRecorder(spaceId: string): Promise<void> {
    const a = this.active.get(spaceId);
    if (!a) return;
    clearTimeout(a.restart);
    const recorder = a.recorder;
    if (recorder) {
      a.recorder = undefined;
      recorder.stop();
      const timeout = new Promise<void>((r) => setTimeout(r, 3000));
      await Promise.race([a.exited, timeout]);
    }
    clearInterval(a.poll);
    a.poll = undefined;
    this.ingest(spaceId);
  }

  /** The stage was re-created (new media server, new RTP stream): a new run, the gap marked. */
  private onStageReset(key: number): void {
    for (const [spaceId, a] of this.active) {
      if (a.key !== key || !a.recorder) continue;
      void this.stopRecorder(spaceId).then(() => this.startRecorder(spaceId));
    }
  }

  private async build(spaceId: string, format: DownloadFormat): Promise<void> {
    const dir = this.dirOf(spaceId);
    const flacs = this.runsOnDisk(spaceId).map((r) => `r${r}.flac`).filter((f) => existsSync(join(dir, f)));
    const useFlacTakes = format === 'flac' && flacs.length > 0;
    const inputs = useFlacTakes ? flacs : this.segments(spaceId).map((s) => s.file);
    const list = join(dir, `concat-${format}.txt`);
    writeFileSync(list, inputs.map((f) => `file '${f}'\n`).join(''));
    const tmp = join(dir, `building.${format}`);
    const codec = format === 'm4a' ? ['-c:a', 'copy', '-bsf:a', 'aac_adtstoasc', '-movflags', '+faststart', '-f', 'ipod'] : ['-c:a', 'flac', '-f', 'flac'];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(this.options.ffmpegBinary ?? 'ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-vn', ...codec, tmp], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new AppError('internal', `building the ${format} download failed: ${err.trim()}`))));
    });
    renameSync(tmp, join(dir, `recording.${format}`));
    rmSync(list, { force: true });
  }
}
