import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MediaPort } from '../media/port.js';
import { Recorder, readRunSegments } from './recorder.js';
import type { RecordingStore, SegmentRow } from './store.js';

/** What the recorders need of media: the program tap and the stage-reset signal (issue 11's port). */
export type TapPort = Pick<MediaPort, 'addTap' | 'removeTap' | 'tapFormat'> & {
  on(event: 'stageReset', listener: (e: { key: number; node: string }) => void): unknown;
};

export interface RecordersOptions {
  /** Root folder of all recordings (one folder per Space). */
  dir: string;
  /** Address the stage mix is sent to (this machine, as the media server sees it). */
  tapHost: string;
  tapPorts: [number, number];
  segmentS: number;
  gstBinary?: string;
  /** A recorder started (the recording's state may have changed). */
  started: (spaceId: string) => void;
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

/** The run numbers whose recorder playlists (`r<run>.m3u8`) are in `dir`, in order. */
export function runsOnDisk(dir: string): number[] {
  try {
    return readdirSync(dir)
      .map((f) => /^r(\d+)\.m3u8$/.exec(f)?.[1])
      .filter((r): r is string => !!r)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/**
 * The recorder process side: one GStreamer recorder per recorded live Space (fed by a media tap
 * of the stage mix on a port of its own), restarted after a crash as a new run, and the ingest of
 * the segments the recorders finish (also those finished before a crash of the server).
 */
export class Recorders {
  private readonly active = new Map<string, Active>();

  constructor(
    private readonly store: RecordingStore,
    private readonly media: TapPort,
    private readonly options: RecordersOptions,
  ) {
    mkdirSync(options.dir, { recursive: true });
    media.on('stageReset', ({ key }) => this.onStageReset(key));
  }

  dirOf(spaceId: string): string {
    return join(this.options.dir, spaceId);
  }

  runsOnDisk(spaceId: string): number[] {
    return runsOnDisk(this.dirOf(spaceId));
  }

  /** Whether the Space is live here (with a tap port, recording or not). */
  has(spaceId: string): boolean {
    return this.active.has(spaceId);
  }

  /** The Space went live with stage `key`: a tap port is set aside for it. False: no free port. */
  attach(spaceId: string, key: number): boolean {
    if (this.active.has(spaceId)) return true;
    const port = this.freePort();
    if (port < 0) return false;
    this.active.set(spaceId, { key, port, tapped: false });
    return true;
  }

  /** The Space is no longer live here (its recorder stopped first). */
  detach(spaceId: string): void {
    this.active.delete(spaceId);
  }

  async closeAll(): Promise<void> {
    for (const [spaceId] of this.active) await this.stop(spaceId);
    this.active.clear();
  }

  /** Recorders of the recorded live Spaces by state: running, restarting (after an exit), starting (operator metrics). */
  states(): { running: number; restarting: number; starting: number } {
    const states = { running: 0, restarting: 0, starting: 0 };
    for (const a of this.active.values()) {
      if (a.recorder) states.running++;
      else if (a.restart) states.restarting++;
      else states.starting++;
    }
    return states;
  }

  async start(spaceId: string): Promise<void> {
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
      if (this.active.get(spaceId) === a && this.store.row(spaceId)?.on_now) a.restart = setTimeout(() => void this.start(spaceId), 300);
    });
    recorder.start();
    a.poll ??= setInterval(() => this.ingest(spaceId), 250);
    if (!a.tapped) {
      a.tapped = true;
      await this.media.addTap(a.key, { id: TAP_ID, host: this.options.tapHost, port: a.port }).catch((err: Error) => {
        console.error(`[recording] tap for ${spaceId}: ${err.message}`);
      });
    }
    this.options.started(spaceId);
  }

  async stop(spaceId: string): Promise<void> {
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

  /** Removes the media tap of the Space's stage, if there is one. */
  async untap(spaceId: string): Promise<void> {
    const a = this.active.get(spaceId);
    if (a?.tapped) {
      a.tapped = false;
      await this.media.removeTap(a.key, TAP_ID).catch(() => undefined);
    }
  }

  /**
   * Recordings of Spaces that ended while this server was not there to finish them (killed at
   * End): their segments are on disk; ingest them and close the recording as the owner's.
   */
  finishInterrupted(now: number): void {
    for (const r of this.store.interrupted()) {
      if (this.active.has(r.space_id)) continue;
      this.ingest(r.space_id);
      this.store.close(r.space_id, r.ended_at ?? now, [r.host_account_id]);
    }
  }

  /**
   * Appends the finished segments of runs from the newest stored one on, in run order. Idempotent:
   * the recorder's own playlists on disk are the truth, so segments finished just before a crash
   * of the server are picked up when it comes back.
   */
  ingest(spaceId: string): void {
    if (!this.store.row(spaceId)) return;
    const dir = this.dirOf(spaceId);
    const lastRun = this.store.maxRun(spaceId) ?? 0;
    const runs = this.runsOnDisk(spaceId).filter((r) => r >= lastRun);
    if (!runs.length) return;
    const known = this.store.filesFromRun(spaceId, lastRun);
    const last = this.store.lastSegment(spaceId);
    // Where the previous segment of the same run ended (wall clock): a segment closed late (the
    // input stalled, then end-of-stream) must not claim it started later than that.
    let prevEnd = last ? { run: last.run, at: last.started_at + last.duration_ms } : null;
    let seq = last ? last.seq + 1 : 0;
    let position = last ? last.position_ms + last.duration_ms : 0;
    const added: SegmentRow[] = [];
    for (const run of runs) {
      for (const s of readRunSegments(dir, run)) {
        if (known.has(s.file)) continue;
        const byMtime = s.closedAt - s.durationMs;
        const startedAt = prevEnd && prevEnd.run === run ? Math.min(byMtime, prevEnd.at) : byMtime;
        added.push({ seq: seq++, run, file: s.file, duration_ms: s.durationMs, position_ms: position, started_at: startedAt });
        position += s.durationMs;
        prevEnd = { run, at: startedAt + s.durationMs };
      }
    }
    if (added.length) this.store.appendSegments(spaceId, added);
  }

  private freePort(): number {
    const used = new Set([...this.active.values()].map((a) => a.port));
    const [lo, hi] = this.options.tapPorts;
    for (let p = lo + (lo % 2); p <= hi; p += 2) if (!used.has(p)) return p;
    return -1;
  }

  /** The stage was re-created (new media server, new RTP stream): a new run, the gap marked. */
  private onStageReset(key: number): void {
    for (const [spaceId, a] of this.active) {
      if (a.key !== key || !a.recorder) continue;
      void this.stop(spaceId).then(() => this.start(spaceId));
    }
  }
}
