import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../../shared/errors.js';
import type { MediaPort } from '../media/port.js';

const run = promisify(execFile);

/** The one media capability this feature needs (issue 11 owns the rest of the port). */
export type ParticipantRecording = Pick<MediaPort, 'setParticipantRecording'>;

export interface StageTrack {
  /** File name of the decoded WAV (in the Space's folder). */
  name: string;
  displayName: string;
  /** Server-clock ms of the first sample's capture (timing[0]). */
  startedAt: number;
  /** Server-clock ms just after the last sample. */
  endedAt: number;
  bytes: number;
  sampleRate: number;
  /** [sample index in the decoded WAV, server-clock ms of its capture], about one a second. */
  timing: [number, number][];
  file: string;
}

/**
 * What a speaker's audio spends between being captured and reaching the server, beyond the
 * network: the sender's Opus frame (20 ms, the packet leaves once its last sample is in) and the
 * browser's 10 ms capture buffer. The network part is measured (the least transit over a few
 * seconds around each point); this part cannot be seen from the server.
 */
export const SENDER_LATENCY_MS = 30;
/** The lower envelope of the transit is taken over this window around each point. */
const TRANSIT_WINDOW_MS = 3000;
const TIMING_STEP_MS = 1000;

/**
 * The server's own per-speaker tracks (issue 13): the stage's AudioBridge records every
 * participant's Opus as it arrives (`mjrs`, one .mjr per participant and join), and after the
 * take each becomes a WAV: `janus-pp-rec` puts the RTP packets in order and writes them to
 * Matroska with their timestamps, GStreamer decodes that to 48 kHz 24-bit, filling the gaps (DTX
 * silence, lost packets) by the timestamps (Ogg loses them: measured 8.0 s for a 25.9 s take). The .mjr header says when its first packet was written (server clock, µs), which puts
 * every track on the Space's clock.
 */
export class StageTracks {
  /** AudioBridge participant id -> display name, per stage key (from the media layer's joins). */
  private readonly names = new Map<string, string>();
  /** A decode in progress per Space: later requests wait for it instead of starting another. */
  private readonly decoding = new Map<string, Promise<StageTrack[]>>();

  constructor(
    private readonly dir: string,
    private readonly media: ParticipantRecording,
  ) {}

  /** Where each stage key's recordings go while they run (their names are written there too). */
  private readonly recordingDirs = new Map<number, string>();

  /** The media layer saw a participant join the stage: their recording is named after them. */
  participantJoined(key: number, participantId: number, display: string): void {
    this.names.set(`${key}/${participantId}`, display);
    const dir = this.recordingDirs.get(key);
    if (dir) this.saveNames(key, dir);
  }

  /**
   * The names of the stage's participants, kept next to their recordings: a recording is named
   * after its speaker even when it is decoded long after they left (or after a server restart).
   */
  private saveNames(key: number, dir: string): void {
    const file = join(dir, 'names.json');
    const names: Record<string, string> = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
    for (const [k, v] of this.names) if (k.startsWith(`${key}/`)) names[k.slice(k.indexOf('/') + 1)] = v;
    writeFileSync(file, JSON.stringify(names));
  }

  private nameOf(key: number, dir: string, id: string | undefined): string | null {
    if (!id) return null;
    const known = this.names.get(`${key}/${id}`);
    if (known) return known;
    try {
      return (JSON.parse(readFileSync(join(dir, 'names.json'), 'utf8')) as Record<string, string>)[id] ?? null;
    } catch {
      return null;
    }
  }

  private spaceDir(spaceId: string): string {
    return join(this.dir, spaceId, 'stage');
  }

  async record(key: number, spaceId: string, on: boolean): Promise<void> {
    const dir = this.spaceDir(spaceId);
    mkdirSync(dir, { recursive: true });
    if (on) {
      this.recordingDirs.set(key, dir);
      this.saveNames(key, dir);
    } else this.recordingDirs.delete(key);
    await this.media.setParticipantRecording(key, on ? dir : null);
    // Decode as soon as the take ends, so the host's export rarely waits for it.
    if (!on) void this.tracks(key, spaceId).catch(() => undefined);
  }

  /**
   * Decodes every recording not decoded yet and lists the tracks; with a span (server-clock ms),
   * only those that overlap it (a take's own, not an earlier take's).
   */
  async tracks(key: number, spaceId: string, span: { from?: number; to?: number } = {}): Promise<StageTrack[]> {
    let running = this.decoding.get(spaceId);
    if (!running) {
      running = this.decodeAll(key, spaceId).finally(() => this.decoding.delete(spaceId));
      this.decoding.set(spaceId, running);
    }
    const all = await running;
    return all.filter((t) => (span.to === undefined || t.startedAt < span.to) && (span.from === undefined || t.endedAt > span.from));
  }

  private async decodeAll(key: number, spaceId: string): Promise<StageTrack[]> {
    const dir = this.spaceDir(spaceId);
    if (!existsSync(dir)) return [];
    const out: StageTrack[] = [];
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.mjr')).sort()) {
      const mjr = join(dir, f);
      const base = f.replace(/\.mjr$/, '');
      const wav = join(dir, `${base}.wav`);
      const header = await mjrHeader(mjr);
      if (!header) continue; // nothing was written yet
      if (!existsSync(wav) || statSync(wav).mtimeMs < statSync(mjr).mtimeMs) await decode(mjr, join(dir, `${base}.mka`), wav);
      const timing = mjrTiming(readFileSync(mjr), header.firstWrittenMs);
      if (timing.length === 0) continue;
      const id = /user-(\d+)/.exec(base)?.[1] ?? /-(\d+)-\d+-audio$/.exec(base)?.[1];
      const bytes = statSync(wav).size;
      const samples = Math.max(0, Math.floor((bytes - 44) / 3));
      const [lastSample, lastMs] = timing[timing.length - 1]!;
      out.push({
        name: `${base}.wav`,
        displayName: this.nameOf(key, dir, id) ?? `participant ${id ?? base}`,
        startedAt: timing[0]![1],
        endedAt: lastMs + ((samples - lastSample) * 1000) / 48_000,
        bytes,
        sampleRate: 48_000,
        timing,
        file: wav,
      });
    }
    // LiveKit (issue 20): the server's participant writes each speaker's WAV itself, `lk-user-<id>-<first sample ms>.wav`.
    for (const f of readdirSync(dir).filter((x) => /^lk-user-\d+-\d+\.wav$/.test(x)).sort()) {
      const [, id, at] = /^lk-user-(\d+)-(\d+)\.wav$/.exec(f)!;
      const file = join(dir, f);
      const bytes = statSync(file).size;
      const samples = Math.max(0, Math.floor((bytes - 44) / 3));
      const startedAt = Number(at);
      const endedAt = startedAt + (samples * 1000) / 48_000;
      // Written as it was decoded, one sample per 1/48000 s: the clock is a straight line.
      out.push({ name: f, displayName: this.nameOf(key, dir, id) ?? `participant ${id}`, startedAt, endedAt, bytes, sampleRate: 48_000, timing: [[0, startedAt], [samples, endedAt]], file });
    }
    return out;
  }

  file(spaceId: string, name: string): string {
    const file = join(this.spaceDir(spaceId), name);
    if (!name.endsWith('.wav') || name.includes('/') || !existsSync(file)) throw new AppError('not_found', 'no such stage track');
    return file;
  }
}

/**
 * Where each part of a participant's recording belongs in time. An .mjr (v2) is its JSON header
 * then, per RTP packet as it arrived, `MEET` + the ms since the first write (u32 BE) + the length
 * (u16 BE) + the packet. The decoded WAV follows the packets' RTP timestamps (48 kHz for Opus),
 * which run on the sender's audio clock: a sender whose audio clock is slower than real time (a
 * busy machine's AudioContext) makes its RTP time fall behind, so a track placed only by its
 * first packet drifts. Each point here pairs a sample (RTP time since the first packet) with the
 * server-clock ms of its capture: its arrival, less the transit's lower envelope's excess (the
 * network's jitter), less the sender's own latency.
 */
export function mjrTiming(buf: Buffer, firstWrittenMs: number): [number, number][] {
  if (buf.toString('ascii', 0, 8) !== 'MJR00002') return [];
  let at = 8 + 2 + buf.readUInt16BE(8);
  const points: { sample: number; arrival: number }[] = [];
  let base: number | null = null;
  let prev = 0;
  let wraps = 0;
  while (at + 10 <= buf.length) {
    if (buf.toString('ascii', at, at + 4) !== 'MEET') break;
    const offMs = buf.readUInt32BE(at + 4);
    const len = buf.readUInt16BE(at + 8);
    const pkt = at + 10;
    at = pkt + len;
    if (at > buf.length || len < 12) break;
    const ts = buf.readUInt32BE(pkt + 4);
    if (base !== null && ts < prev && prev - ts > 0x80000000) wraps++;
    prev = ts;
    const unwrapped = ts + wraps * 0x1_0000_0000;
    base ??= unwrapped;
    const sample = unwrapped - base;
    if (sample < 0) continue; // reordered before the first packet
    points.push({ sample, arrival: firstWrittenMs + offMs });
  }
  if (points.length === 0) return [];
  // Transit = arrival minus the sample's RTP time. Its drift (a sender clock off real time) is
  // taken out by a least-squares slope; of what is left, the least value nearby is the undelayed path.
  const time = points.map((p) => (p.sample * 1000) / 48_000);
  const transit = points.map((p, i) => p.arrival - time[i]!);
  const n = points.length;
  const mt = time.reduce((a, b) => a + b, 0) / n;
  const mx = transit.reduce((a, b) => a + b, 0) / n;
  const den = time.reduce((a, t) => a + (t - mt) ** 2, 0);
  const slope = den > 0 ? time.reduce((a, t, i) => a + (t - mt) * (transit[i]! - mx), 0) / den : 0;
  const level = transit.map((x, i) => x - slope * time[i]!);
  const out: [number, number][] = [];
  let lo = 0;
  let nextAt = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = time[i]!;
    if (t < nextAt && i !== n - 1) continue;
    nextAt = t + TIMING_STEP_MS;
    while (time[lo]! < t - TRANSIT_WINDOW_MS / 2) lo++;
    let min = Infinity;
    for (let j = lo; j < n && time[j]! <= t + TRANSIT_WINDOW_MS / 2; j++) min = Math.min(min, level[j]!);
    out.push([points[i]!.sample, t + slope * t + min - SENDER_LATENCY_MS]);
  }
  return out;
}

/** `janus-pp-rec --json`: {"t":"a","c":"opus","s":<created µs>,"u":<first written µs>}. */
async function mjrHeader(file: string): Promise<{ firstWrittenMs: number } | null> {
  try {
    const { stdout } = await run('janus-pp-rec', ['-j', file], { timeout: 10_000 });
    const json = JSON.parse(stdout.slice(stdout.indexOf('{'), stdout.lastIndexOf('}') + 1)) as { u?: number; s?: number };
    const u = json.u ?? json.s;
    return typeof u === 'number' ? { firstWrittenMs: u / 1000 } : null;
  } catch {
    return null;
  }
}

async function decode(mjr: string, opus: string, wav: string): Promise<void> {
  try {
    await run('janus-pp-rec', [mjr, opus], { timeout: 120_000 });
    await run(
      'gst-launch-1.0',
      // audiorate: silence where the sender paused (Opus DTX sends almost nothing in silence), so
      // the track keeps its timeline.
      ['-q', 'filesrc', `location=${opus}`, '!', 'matroskademux', '!', 'opusdec', 'plc=true', '!', 'audioconvert', '!', 'audiorate', '!', 'audioresample', '!', 'audio/x-raw,format=S24LE,rate=48000,channels=1', '!', 'wavenc', '!', 'filesink', `location=${wav}`],
      { timeout: 120_000 },
    );
  } catch (err) {
    throw new AppError('internal', `could not decode the stage recording ${mjr}: ${(err as Error).message}`);
  }
}
