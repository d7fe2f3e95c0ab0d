import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, statfsSync, statSync, truncateSync, writeSync, appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../../shared/errors.js';
import type { DiskInfo, TakeInfo, TakeMarker, TakesView, TrackKind, UploadState } from '../../../shared/multitrack.js';
import { TRACK_KINDS } from '../../../shared/multitrack.js';
import type { IpcParsedRequest } from '../../../shared/ipc.js';
import { BYTES_PER_SAMPLE, WAV_HEADER_BYTES, floatToS24, readWavInfo, writeHeader, wavHeader } from './wav.js';

/** The manifest is written in place into a preallocated block, so updating it never needs free space. */
const MANIFEST_BYTES = 4096;
/** Headers, manifest and fsync once a second: a crash loses at most the last second. */
const FLUSH_MS = 1000;
/** No audio for this long while recording: the console is gone (renderer crash, window closed). */
const STALL_MS = 5000;
/** Stop before the disk is completely full: the last writes of every track and the manifest must fit. */
const RESERVE_SECONDS = 2;
const RESERVE_MIN_BYTES = 512 * 1024;
export const LOW_DISK_MINUTES = 10;

export interface TakeEvents {
  onTake(take: TakeInfo): void;
  onDisk(disk: DiskInfo): void;
}

/** Uploads a take's mic track to the Space server while it grows (see trackUploader.ts). */
export interface TakeUpload {
  /** More bytes are on disk. */
  grew(): void;
  /** The take ended with this many bytes of samples. */
  finish(totalBytes: number): void;
  state(): UploadState;
  dispose(): void;
}

export interface TakeRecorderOptions {
  dataDir: string;
  events: TakeEvents;
  /** Server clock minus ours, for a take in a Space (null: offline). */
  serverOffset?: (spaceId: string) => Promise<number | null>;
  /** Starts the upload of a take's mic track (speakers in someone else's Space). */
  startUpload?: (take: TakeInfo, micFile: string) => TakeUpload;
  now?: () => number;
}

interface Track {
  kind: TrackKind;
  file: string;
  fd: number;
  dataBytes: number;
  sampleRate: number;
  startedAt: number;
}

interface Running {
  info: TakeInfo;
  dir: string;
  manifestFd: number;
  tracks: Track[];
  lastAudio: number;
  lastFlush: number;
  lowWarned: boolean;
  upload: TakeUpload | null;
  timer: NodeJS.Timeout;
}

const newTakeId = (): string => `t_${randomBytes(8).toString('hex').slice(0, 12)}`;

/**
 * The Studio's local take (issue 13): the host's microphone before any encoding (at the device's
 * rate), the program mix and the stage return (at the console's), each a WAV (PCM 24-bit mono) in
 * `<data dir>/takes/<id>/`, written as the audio comes. Every second the WAV headers and the
 * manifest are brought up to date and synced, so after a crash of the renderer (no more audio:
 * the take stops itself) or of the whole app (found at the next start, repaired, offered) at most
 * the last second is lost. The free space is checked on every write: the take stops cleanly
 * before the disk is full, and a write that still fails is cut back to the last whole sample of
 * every track, so every file stays playable.
 */
export class TakeRecorder {
  private readonly root: string;
  private readonly takes = new Map<string, TakeInfo>();
  private running: Running | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: TakeRecorderOptions) {
    this.root = join(opts.dataDir, 'takes');
    mkdirSync(this.root, { recursive: true });
    this.now = opts.now ?? Date.now;
    this.loadAndRecover();
  }

  // ---- IPC ----

  getTakes(): TakesView {
    return { disk: this.disk(), takes: [...this.takes.values()].sort((a, b) => b.startedAt - a.startedAt) };
  }

  async startTake(req: IpcParsedRequest<'startTake'>): Promise<TakeInfo> {
    if (this.running) throw new AppError('invalid_state', 'a take is already recording');
    const rates = req.tracks.map((t) => t.sampleRate);
    const disk = this.disk(rates);
    if (disk.freeBytes < this.reserveBytes(rates) * 2) throw new AppError('invalid_state', 'the disk is full: free some space before recording');
    const mic = req.tracks.find((t) => t.kind === 'mic')!;
    const offset = req.spaceId && this.opts.serverOffset ? await this.opts.serverOffset(req.spaceId).catch(() => null) : null;
    if (this.running) throw new AppError('invalid_state', 'a take is already recording');
    const id = newTakeId();
    const dir = join(this.root, id);
    mkdirSync(dir);
    const info: TakeInfo = {
      id,
      spaceId: req.spaceId,
      startedAt: mic.startedAt,
      serverOffsetMs: offset ?? 0,
      sampleRate: mic.sampleRate,
      status: 'recording',
      durationMs: 0,
      message: req.spaceId && offset === null ? 'not on the Space server’s clock (it did not answer): align the tracks by ear' : null,
      tracks: TRACK_KINDS.map((kind) => {
        const t = req.tracks.find((x) => x.kind === kind)!;
        return { kind, file: join(dir, `${kind}.wav`), bytes: WAV_HEADER_BYTES, sampleRate: t.sampleRate, startedAt: t.startedAt };
      }),
      upload: null,
    };
    const manifestFd = openSync(join(dir, 'take.json'), 'w');
    const tracks: Track[] = info.tracks.map((t) => {
      const fd = openSync(t.file, 'w');
      writeSync(fd, wavHeader(t.sampleRate, 0));
      return { kind: t.kind, file: t.file, fd, dataBytes: 0, sampleRate: t.sampleRate, startedAt: t.startedAt };
    });
    const run: Running = {
      info,
      dir,
      manifestFd,
      tracks,
      lastAudio: this.now(),
      lastFlush: this.now(),
      lowWarned: false,
      upload: null,
      timer: setInterval(() => this.tick(), 250),
    };
    this.running = run;
    this.takes.set(id, info);
    this.writeManifest(run);
    if (req.upload && req.spaceId && this.opts.startUpload) {
      run.upload = this.opts.startUpload(info, join(dir, 'mic.wav'));
      info.upload = run.upload.state();
    }
    this.opts.events.onTake({ ...info });
    this.opts.events.onDisk(disk);
    return { ...info };
  }

  takeAudio(req: IpcParsedRequest<'takeAudio'>): { accepted: boolean } {
    const run = this.running;
    if (!run || run.info.id !== req.takeId) return { accepted: false };
    const pcm = decode(req.pcm);
    const t = run.tracks.find((x) => x.kind === req.track)!;
    run.lastAudio = this.now();
    if (this.freeBytes() - pcm.length < this.reserveBytes(run.tracks.map((x) => x.sampleRate))) {
      this.finish(run, 'stopped', `the disk is full: the take stopped at ${clock(run.info.durationMs)}; every file is complete and playable`);
      return { accepted: false };
    }
    try {
      const n = writeSync(t.fd, pcm, 0, pcm.length, WAV_HEADER_BYTES + t.dataBytes);
      if (n !== pcm.length) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
    } catch (err) {
      // Cut the track back to its last whole sample, so it stays a valid WAV.
      ftruncateSync(t.fd, WAV_HEADER_BYTES + t.dataBytes);
      const why = (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : `writing failed (${(err as Error).message})`;
      this.finish(run, 'stopped', `${why}: the take stopped at ${clock(run.info.durationMs)}; every file is complete and playable`);
      return { accepted: false };
    }
    // When the console rendered its audio, chunk by chunk (`<take>/timing.txt`: track, first
    // sample, wall ms): the export places the program and stage return by it.
    if (req.at !== undefined && t.kind !== 'mic') {
      try {
        appendFileSync(join(run.dir, 'timing.txt'), `${t.kind} ${t.dataBytes / BYTES_PER_SAMPLE} ${req.at.toFixed(3)}\n`);
      } catch {
        /* a full disk: the take stops at its next write anyway */
      }
    }
    t.dataBytes += pcm.length;
    if (t.kind === 'mic') {
      run.info.durationMs = Math.floor((t.dataBytes / BYTES_PER_SAMPLE) * 1000 / t.sampleRate);
      run.upload?.grew();
    }
    if (this.now() - run.lastFlush >= FLUSH_MS) this.flush(run);
    return { accepted: true };
  }

  takeMarker(req: IpcParsedRequest<'takeMarker'>): Record<string, never> {
    const run = this.running;
    if (!run || run.info.id !== req.takeId) throw new AppError('invalid_state', 'that take is not recording');
    const atMs = req.at === undefined ? run.info.durationMs : Math.max(0, Math.round(req.at - run.info.startedAt));
    const marker: TakeMarker = { atMs, kind: req.kind, label: req.label };
    try {
      appendFileSync(join(run.dir, 'markers.jsonl'), `${JSON.stringify(marker)}\n`);
    } catch {
      /* a full disk: the take stops at its next write anyway */
    }
    return {};
  }

  stopTake(req: IpcParsedRequest<'stopTake'>): TakeInfo {
    const run = this.running;
    if (run && run.info.id === req.takeId) {
      // A better estimate of the mic's start (never more than a second from the first one).
      const mic = run.tracks.find((t) => t.kind === 'mic')!;
      if (req.micStartedAt !== undefined && Math.abs(req.micStartedAt - mic.startedAt) < 1000) run.info.startedAt = mic.startedAt = req.micStartedAt;
      this.finish(run, 'stopped', null);
      return { ...run.info };
    }
    const take = this.takes.get(req.takeId);
    if (!take) throw new AppError('not_found', 'no such take');
    return { ...take };
  }

  /** A better measurement of the server's clock for the running take. */
  setServerOffset(takeId: string, offsetMs: number): void {
    const run = this.running;
    if (run && run.info.id === takeId) run.info.serverOffsetMs = offsetMs;
  }

  /** The take as stored (for the export). */
  take(id: string): TakeInfo {
    const take = this.takes.get(id);
    if (!take) throw new AppError('not_found', 'no such take');
    return take;
  }

  /** The console tracks' timing ([first sample of a chunk, wall ms of its capture]), by track. */
  timing(id: string): Partial<Record<TrackKind, [number, number][]>> {
    const file = join(this.root, id, 'timing.txt');
    const out: Partial<Record<TrackKind, [number, number][]>> = {};
    if (!existsSync(file)) return out;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [kind, sample, at] = line.split(' ');
      if (!kind || at === undefined || !(TRACK_KINDS as readonly string[]).includes(kind)) continue; // a line cut by a crash
      const s = Number(sample);
      const t = Number(at);
      if (Number.isFinite(s) && Number.isFinite(t)) (out[kind as TrackKind] ??= []).push([s, t]);
    }
    return out;
  }

  markers(id: string): TakeMarker[] {
    const file = join(this.root, id, 'markers.jsonl');
    if (!existsSync(file)) return [];
    const out: TakeMarker[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      try {
        if (line.trim()) out.push(JSON.parse(line) as TakeMarker);
      } catch {
        /* a line cut by a crash */
      }
    }
    return out;
  }

  /** The upload of the running or last take changed (the uploader calls this). */
  uploadChanged(takeId: string, state: UploadState): void {
    const take = this.takes.get(takeId);
    if (!take) return;
    take.upload = state;
    this.opts.events.onTake({ ...take });
  }

  dispose(): void {
    const run = this.running;
    if (run) this.finish(run, 'stopped', 'the Studio was closed during the take');
  }

  // ---- internals ----

  private tick(): void {
    const run = this.running;
    if (!run) return;
    if (this.now() - run.lastAudio > STALL_MS) {
      this.finish(run, 'stopped', `the console stopped sending audio (its window closed or crashed): the take stopped at ${clock(run.info.durationMs)}`);
      return;
    }
    if (this.now() - run.lastFlush >= FLUSH_MS) this.flush(run);
  }

  private flush(run: Running): void {
    run.lastFlush = this.now();
    for (const t of run.tracks) {
      writeHeader(t.fd, t.sampleRate, t.dataBytes);
      fdatasyncSync(t.fd);
    }
    run.info.tracks = this.trackInfo(run);
    if (run.upload) run.info.upload = run.upload.state();
    this.writeManifest(run);
    const disk = this.disk(run.tracks.map((t) => t.sampleRate));
    if (disk.low && !run.lowWarned) {
      run.lowWarned = true;
      run.info.message = `less than ${LOW_DISK_MINUTES} minutes of disk space left (${Math.floor(disk.minutesLeft)} min)`;
    }
    this.opts.events.onTake({ ...run.info });
    this.opts.events.onDisk(disk);
  }

  private finish(run: Running, status: TakeInfo['status'], message: string | null): void {
    if (this.running !== run) return;
    this.running = null;
    clearInterval(run.timer);
    run.info.status = status;
    if (message) run.info.message = message;
    for (const t of run.tracks) {
      try {
        writeHeader(t.fd, t.sampleRate, t.dataBytes);
        fdatasyncSync(t.fd);
      } finally {
        closeSync(t.fd);
      }
    }
    run.info.tracks = this.trackInfo(run);
    run.upload?.finish(run.tracks.find((t) => t.kind === 'mic')!.dataBytes);
    if (run.upload) run.info.upload = run.upload.state();
    this.writeManifest(run);
    closeSync(run.manifestFd);
    this.opts.events.onTake({ ...run.info });
    this.opts.events.onDisk(this.disk());
  }

  private trackInfo(run: Running): TakeInfo['tracks'] {
    return run.tracks.map((t) => ({ kind: t.kind, file: t.file, bytes: WAV_HEADER_BYTES + t.dataBytes, sampleRate: t.sampleRate, startedAt: t.startedAt }));
  }

  private writeManifest(run: Running): void {
    const text = JSON.stringify(run.info);
    if (text.length > MANIFEST_BYTES - 1) throw new AppError('internal', 'take manifest too large');
    const buf = Buffer.alloc(MANIFEST_BYTES, 0x20);
    buf.write(text, 0, 'utf8');
    buf[MANIFEST_BYTES - 1] = 0x0a;
    writeSync(run.manifestFd, buf, 0, MANIFEST_BYTES, 0);
    fdatasyncSync(run.manifestFd);
  }

  /** At start: every take on disk; one still marked recording was cut short by a crash: repair it. */
  private loadAndRecover(): void {
    for (const id of readdirSync(this.root)) {
      const manifest = join(this.root, id, 'take.json');
      if (!existsSync(manifest)) continue;
      let info: TakeInfo;
      try {
        info = JSON.parse(readFileSync(manifest, 'utf8')) as TakeInfo;
      } catch {
        continue; // not a take (or its manifest never got written): leave it alone
      }
      if (info.status === 'recording') info = this.repair(info, manifest);
      this.takes.set(info.id, info);
    }
  }

  private repair(info: TakeInfo, manifest: string): TakeInfo {
    // Each track keeps every whole sample it holds; the header is rewritten to match.
    for (const t of info.tracks) {
      if (!existsSync(t.file)) writeFileSync(t.file, wavHeader(t.sampleRate, 0));
      let frames = 0;
      try {
        frames = Math.floor(readWavInfo(t.file).fileDataBytes / BYTES_PER_SAMPLE);
      } catch {
        frames = 0; // the header itself was never written whole
      }
      truncateSync(t.file, WAV_HEADER_BYTES + frames * BYTES_PER_SAMPLE);
      const fd = openSync(t.file, 'r+');
      try {
        writeHeader(fd, t.sampleRate, frames * BYTES_PER_SAMPLE);
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
      t.bytes = statSync(t.file).size;
    }
    const mic = info.tracks.find((t) => t.kind === 'mic')!;
    const durationMs = Math.floor((((mic.bytes - WAV_HEADER_BYTES) / BYTES_PER_SAMPLE) * 1000) / mic.sampleRate);
    const repaired: TakeInfo = {
      ...info,
      status: 'recovered',
      durationMs,
      message: `recovered after the Studio stopped unexpectedly: ${clock(durationMs)} kept`,
      upload: info.upload && info.upload.state !== 'done' ? { ...info.upload, state: 'failed', message: 'interrupted by the crash; the local take is complete' } : info.upload,
    };
    const buf = Buffer.alloc(MANIFEST_BYTES, 0x20);
    buf.write(JSON.stringify(repaired), 0, 'utf8');
    writeFileSync(manifest, buf);
    return repaired;
  }

  private freeBytes(): number {
    const s = statfsSync(this.root);
    return s.bavail * s.bsize;
  }

  private reserveBytes(rates: number[]): number {
    return Math.max(RESERVE_MIN_BYTES, RESERVE_SECONDS * sum(rates) * BYTES_PER_SAMPLE);
  }

  private disk(rates = this.running?.tracks.map((t) => t.sampleRate) ?? TRACK_KINDS.map(() => 48_000)): DiskInfo {
    const free = this.freeBytes();
    const perMinute = 60 * sum(rates) * BYTES_PER_SAMPLE;
    const minutesLeft = Math.max(0, (free - this.reserveBytes(rates)) / perMinute);
    return { freeBytes: free, minutesLeft, low: minutesLeft < LOW_DISK_MINUTES };
  }
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

function decode(b64: string): Buffer {
  const raw = Buffer.from(b64, 'base64');
  if (raw.length === 0 || raw.length % 4 !== 0) throw new AppError('bad_message', 'audio must be whole float32 samples');
  const floats = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  return floatToS24(floats);
}

/** m:ss */
export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
