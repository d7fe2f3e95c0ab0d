import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readSync, rmSync, writeFileSync, writeSync, fstatSync } from 'node:fs';
import { basename, join } from 'node:path';
import yazl from 'yazl';
import type { CaptionSegment } from '../../../shared/transcript.js';
import { toJson, toSrt, toVtt } from '../../../shared/transcriptFormat.js';
import type { ExportResult, ServerTrack, TakeInfo, TakeMarker } from '../../../shared/multitrack.js';
import { MAX_UPLOAD_CHUNK_BYTES } from '../../../shared/multitrack.js';
import { BYTES_PER_SAMPLE, WAV_HEADER_BYTES, wavHeader } from './wav.js';
import type { ServerRequest } from './trackUploader.js';

/** Where a voice's samples come from: a local file region (s24le mono) or a remote reader. */
export interface VoiceSource {
  name: string;
  origin: 'studio' | 'studio-upload' | 'server-stage';
  /** Space-clock ms of the first sample. */
  startedAt: number;
  sampleRate: number;
  /** How its start was found (the manifest says it). */
  placedBy?: string;
  /**
   * Writes the s24le samples into `fd` at `position`, leaving out the first `skipBytes` and
   * stopping after `maxBytes`; returns the bytes written.
   */
  copyTo(fd: number, position: number, skipBytes: number, maxBytes: number): Promise<number>;
  /** Removes what the source left on disk (a downloaded copy). */
  dispose?(): void;
  /**
   * [sample index, Space-clock ms of that sample's capture] pairs, ascending: where each part of
   * the source belongs when its own sample clock did not keep real time. Between two points the
   * samples are stretched or squeezed to fit; without it the source is placed by `startedAt`.
   */
  timing?: [number, number][];
  /** s24le bytes of `count` samples from sample `from` (short at the end). For `timing`. */
  read?(from: number, count: number): Buffer;
  /** More recordings of the same voice in the take (the speaker left and rejoined): one file. */
  more?: VoiceSource[];
}

const ZEROS = Buffer.alloc(1024 * 1024 - ((1024 * 1024) % BYTES_PER_SAMPLE));

export interface ExportInput {
  take: TakeInfo;
  outDir: string;
  selfName: string;
  markers: TakeMarker[];
  /** Transcript segments and the take-relative ms at which the transcript's zero fell (null: unknown). */
  transcript: { segments: CaptionSegment[]; offsetMs: number | null };
  /** Other voices (from the Space server). */
  others: VoiceSource[];
  /** The server's recording of the host (not exported: the mic track is the host's voice); measures the send path. */
  selfServer?: VoiceSource;
  /** The console tracks' timing from the take ([first sample of a chunk, this computer's wall ms of its capture]). */
  consoleTiming?: [number, number][];
}

/**
 * A timing map smoothed and thinned: one point per `stepMs` of samples, each on the least-squares
 * line through the points within `windowMs` around it (the per-chunk times jitter by a few ms).
 */
export function smoothTiming(points: [number, number][], sampleRate: number, stepMs = 1000, windowMs = 2000): [number, number][] {
  const out: [number, number][] = [];
  const step = (stepMs * sampleRate) / 1000;
  const half = (windowMs * sampleRate) / 2000;
  let next = -Infinity;
  for (let i = 0; i < points.length; i++) {
    const [s] = points[i]!;
    if (s < next && i !== points.length - 1) continue;
    next = s + step;
    const near = points.filter(([x]) => Math.abs(x - s) <= half);
    const n = near.length;
    const mx = near.reduce((a, p) => a + p[0], 0) / n;
    const my = near.reduce((a, p) => a + p[1], 0) / n;
    const den = near.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
    const b = den > 0 ? near.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / den : 1000 / sampleRate;
    out.push([s, my + b * (s - mx)]);
  }
  return out;
}

const safe = (name: string): string => name.replace(/[^\p{L}\p{N} ._-]+/gu, '_').trim().slice(0, 60) || 'voice';

/** A WAV we or GStreamer wrote: where its samples are and how they are coded. */
export function wavLayout(fd: number): { dataOffset: number; dataBytes: number; sampleRate: number; bits: number; channels: number } {
  const head = Buffer.alloc(4096);
  const n = readSync(fd, head, 0, head.length, 0);
  if (n < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  let at = 12;
  let fmt: { sampleRate: number; bits: number; channels: number } | null = null;
  while (at + 8 <= n) {
    const id = head.toString('ascii', at, at + 4);
    const size = head.readUInt32LE(at + 4);
    if (id === 'fmt ') fmt = { channels: head.readUInt16LE(at + 10), sampleRate: head.readUInt32LE(at + 12), bits: head.readUInt16LE(at + 22) };
    if (id === 'data') {
      if (!fmt) throw new Error('WAV without a format');
      const fileBytes = fstatSync(fd).size - (at + 8);
      // A header written while streaming may say 0 or 0xffffffff: the file's length is the truth.
      const dataBytes = size === 0 || size === 0xffffffff || size > fileBytes ? fileBytes : size;
      return { dataOffset: at + 8, dataBytes, ...fmt };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('WAV without a data chunk');
}

/** Copies a local WAV's samples (24-bit mono, or 16-bit converted). */
export function localWavSource(file: string, name: string, origin: VoiceSource['origin'], startedAt: number): VoiceSource {
  const fd = openSync(file, 'r');
  const layout = wavLayout(fd);
  closeSync(fd);
  if (layout.channels !== 1 || (layout.bits !== 24 && layout.bits !== 16)) throw new Error(`${file}: only mono 16/24-bit WAV`);
  return {
    name,
    origin,
    startedAt,
    sampleRate: layout.sampleRate,
    read(from, count) {
      const inBytes = layout.bits / 8;
      const start = Math.max(0, from) * inBytes;
      const len = Math.max(0, Math.min(count * inBytes, layout.dataBytes - start));
      const buf = Buffer.alloc(len);
      const src = openSync(file, 'r');
      try {
        const n = readSync(src, buf, 0, len, layout.dataOffset + start);
        const got = buf.subarray(0, n - (n % inBytes));
        return layout.bits === 24 ? got : s16ToS24(got);
      } finally {
        closeSync(src);
      }
    },
    async copyTo(out, position, skipBytes, maxBytes) {
      const src = openSync(file, 'r');
      try {
        const inBytes = layout.bits / 8;
        const buf = Buffer.alloc(1024 * 1024 - ((1024 * 1024) % 6));
        let written = 0;
        const end = Math.min(layout.dataBytes, ((skipBytes + maxBytes) / BYTES_PER_SAMPLE) * inBytes);
        for (let at = (skipBytes / BYTES_PER_SAMPLE) * inBytes; at < end; ) {
          const n = readSync(src, buf, 0, Math.min(buf.length, end - at), layout.dataOffset + at);
          if (n <= 0) break;
          at += n;
          const chunk = layout.bits === 24 ? buf.subarray(0, n - (n % 3)) : s16ToS24(buf.subarray(0, n - (n % 2)));
          writeSync(out, chunk, 0, chunk.length, position + written);
          written += chunk.length;
        }
        return written;
      } finally {
        closeSync(src);
      }
    },
  };
}

function s16ToS24(b: Buffer): Buffer {
  const out = Buffer.alloc((b.length / 2) * 3);
  for (let i = 0, j = 0; i < b.length; i += 2, j += 3) {
    out[j] = 0;
    out[j + 1] = b[i]!;
    out[j + 2] = b[i + 1]!;
  }
  return out;
}

/** A speaker's uploaded track on the server (raw s24le), read in chunks over the signaling socket. */
export function uploadedSource(track: ServerTrack, request: ServerRequest): VoiceSource {
  return {
    name: track.displayName,
    origin: 'studio-upload',
    startedAt: track.startedAt,
    sampleRate: track.sampleRate,
    async copyTo(out, position, skipBytes, maxBytes) {
      const end = Math.min(track.bytes, skipBytes + maxBytes);
      let at = skipBytes;
      while (at < end) {
        const { data } = (await request('track.read', { uploadId: track.uploadId, offset: at, length: Math.min(MAX_UPLOAD_CHUNK_BYTES, end - at) })) as { data: string };
        const buf = Buffer.from(data, 'base64');
        if (buf.length === 0) break;
        writeSync(out, buf, 0, buf.length, position + at - skipBytes);
        at += buf.length;
      }
      const n = Math.max(0, at - skipBytes);
      return n - (n % BYTES_PER_SAMPLE);
    },
  };
}

/** The server's decoded per-participant stage recording: downloaded to a temp file, then copied. */
export async function stageSource(spaceId: string, t: { name: string; displayName: string; startedAt: number; bytes: number; timing: [number, number][] }, request: ServerRequest, tmpDir: string): Promise<VoiceSource> {
  mkdirSync(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `.stage-${basename(t.name)}`);
  const fd = openSync(tmp, 'w');
  try {
    for (let at = 0; at < t.bytes; ) {
      const { data } = (await request('stage.trackRead', { spaceId, name: t.name, offset: at, length: Math.min(MAX_UPLOAD_CHUNK_BYTES, t.bytes - at) })) as { data: string };
      const buf = Buffer.from(data, 'base64');
      if (buf.length === 0) break;
      writeSync(fd, buf, 0, buf.length, at);
      at += buf.length;
    }
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    closeSync(fd);
  }
  try {
    const source = localWavSource(tmp, t.displayName, 'server-stage', t.startedAt);
    return {
      ...source,
      timing: t.timing,
      placedBy: 'its packets’ arrival at the server, less the network’s least transit and the sender’s latency, about once a second',
      dispose: () => rmSync(tmp, { force: true }),
    };
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes a source with a timing map onto the take's timeline (`total` samples from `zero`):
 * each stretch between two points goes where its capture time says, resampled (linearly) to the
 * length that time span has; a span the source has nothing for stays silent.
 */
function writeTimed(out: number, v: VoiceSource, zero: number, total: number): void {
  const timing = v.timing!;
  const rate = v.sampleRate;
  const pos = (ms: number): number => ((ms - zero) * rate) / 1000;
  for (let i = 0; i < timing.length; i++) {
    const [a, atA] = timing[i]!;
    // The last stretch runs to the source's end at its own rate.
    const next = timing[i + 1] ?? null;
    const src = next ? v.read!(a, next[0] - a + 1) : v.read!(a, total + 1);
    const n = Math.floor(src.length / BYTES_PER_SAMPLE);
    if (n === 0) continue;
    const span = next ? next[0] - a : n;
    const from = pos(atA);
    const to = next ? pos(next[1]) : from + n;
    const first = Math.max(0, Math.ceil(from));
    const last = Math.min(total, Math.ceil(to));
    if (last <= first) continue;
    const outBuf = Buffer.alloc((last - first) * BYTES_PER_SAMPLE);
    const scale = span / (to - from);
    for (let k = first; k < last; k++) {
      const x = (k - from) * scale;
      const j = Math.floor(x);
      if (j < 0 || j >= n) continue;
      const y0 = src.readIntLE(j * BYTES_PER_SAMPLE, 3);
      const y1 = j + 1 < n ? src.readIntLE((j + 1) * BYTES_PER_SAMPLE, 3) : y0;
      outBuf.writeIntLE(Math.round(y0 + (y1 - y0) * (x - j)), (k - first) * BYTES_PER_SAMPLE, 3);
    }
    writeSync(out, outBuf, 0, outBuf.length, WAV_HEADER_BYTES + first * BYTES_PER_SAMPLE);
  }
}

/**
 * Writes one source onto the take's timeline into `file`: exactly the take's length, silence
 * where the source has nothing, its audio where its clock (less `earlierMs`) puts it.
 */
async function renderOnTake(v: VoiceSource, zero: number, durationMs: number, file: string, lag: LagMap | null): Promise<number> {
  const earlier = (ms: number): number => (lag ? lagAt(lag, ms - zero) : 0);
  const out = openSync(file, 'w');
  try {
    const total = Math.round((durationMs * v.sampleRate) / 1000);
    for (let at = 0; at < total * BYTES_PER_SAMPLE; at += ZEROS.length) writeSync(out, ZEROS, 0, Math.min(ZEROS.length, total * BYTES_PER_SAMPLE - at), WAV_HEADER_BYTES + at);
    for (const part of [v, ...(v.more ?? [])]) {
      if (part.timing?.length && part.read) {
        writeTimed(out, { ...part, timing: part.timing.map(([s, t]) => [s, t - earlier(t)]) }, zero, total);
        continue;
      }
      // Where the part's first sample falls on the take (negative: it began before the take).
      const offset = Math.round(((part.startedAt - earlier(part.startedAt) - zero) * part.sampleRate) / 1000);
      const pad = Math.min(total, Math.max(0, offset));
      const skip = Math.max(0, -offset);
      if (total - pad > 0) await part.copyTo(out, WAV_HEADER_BYTES + pad * BYTES_PER_SAMPLE, skip * BYTES_PER_SAMPLE, (total - pad) * BYTES_PER_SAMPLE);
    }
    writeSync(out, wavHeader(v.sampleRate, total * BYTES_PER_SAMPLE), 0, WAV_HEADER_BYTES, 0);
    return total;
  } finally {
    closeSync(out);
  }
}

/** 1 ms RMS envelope of a 24-bit mono WAV we wrote. */
function envelope1ms(file: string): { env: Float32Array; rate: number } {
  const fd = openSync(file, 'r');
  try {
    const layout = wavLayout(fd);
    const win = Math.round(layout.sampleRate / 1000);
    const n = Math.floor(layout.dataBytes / BYTES_PER_SAMPLE / win);
    const env = new Float32Array(n);
    const buf = Buffer.alloc(win * BYTES_PER_SAMPLE * 1000);
    for (let w = 0; w < n; w += 1000) {
      const got = readSync(fd, buf, 0, Math.min(buf.length, (n - w) * win * BYTES_PER_SAMPLE), layout.dataOffset + w * win * BYTES_PER_SAMPLE);
      for (let k = 0; k * win * BYTES_PER_SAMPLE < got; k++) {
        let acc = 0;
        for (let j = 0; j < win; j++) {
          const x = buf.readIntLE((k * win + j) * BYTES_PER_SAMPLE, 3) / 8_388_608;
          acc += x * x;
        }
        env[w + k] = Math.sqrt(acc / win);
      }
    }
    return { env, rate: layout.sampleRate };
  } finally {
    closeSync(fd);
  }
}

function smooth(env: Float32Array, n: number): Float32Array {
  const out = new Float32Array(env.length);
  let acc = 0;
  for (let i = 0; i < env.length; i++) {
    acc += env[i]! ** 2;
    if (i >= n) acc -= env[i - n]! ** 2;
    out[i] = Math.sqrt(Math.max(0, acc) / Math.min(n, i + 1));
  }
  return out;
}

/** How far the search for a path's latency goes (ms) and how much of the take it looks at. */
const LAG_MIN_MS = -100;
const LAG_MAX_MS = 600;
const LAG_WINDOW_MS = 4000;
const LAG_STEP_MS = 1000;
/** Below this envelope correlation the two tracks do not share the voice: nothing is corrected. */
const LAG_MIN_R = 0.6;
/** Lag windows the drift beyond the last one is fitted to, and the largest drift believed (ms per ms). */
const DRIFT_FIT_POINTS = 8;
const DRIFT_MAX = 0.005;

export interface LagMap {
  /** [take ms, how much later the other track carries the sound (ms)], ascending. */
  points: [number, number][];
  /** The median of the points' correlations. */
  r: number;
}

/**
 * How much later `other` carries the same sound as `ref` (ms), both already on the take's
 * timeline, along the take: in 10 s windows every 5 s where `ref` has a voice, the lag of best
 * envelope correlation (1 ms steps). A path whose latency wanders (a busy machine's audio input
 * queue) is followed window by window. Null when they never share a voice (a muted host, silence).
 */
export function measureLag(refFile: string, otherFile: string, withoutFile?: string): LagMap | null {
  // 1 ms steps, each the RMS over 10 ms: the voice's envelope, not its pitch periods.
  const ref = smooth(envelope1ms(refFile).env, 10);
  const other = smooth(envelope1ms(otherFile).env, 10);
  // What `other` carries besides the voice being measured (the program's stage return: the other
  // speakers, who may make the same sound a moment later through the stage) is taken out of its
  // envelope, so the lag found is the voice's own and not that of its echo from the stage.
  if (withoutFile) {
    const without = smooth(envelope1ms(withoutFile).env, 10);
    for (let i = 0; i < other.length && i < without.length; i++) other[i] = Math.max(0, other[i]! - without[i]!);
  }
  if (ref.length < 2000) return null;
  const windows: { from: number; peak: number }[] = [];
  for (let from = 0; from < ref.length; from += LAG_STEP_MS) {
    let peak = 0;
    const to = Math.min(ref.length, from + LAG_WINDOW_MS);
    for (let i = from; i < to; i++) peak = Math.max(peak, ref[i]!);
    windows.push({ from, peak });
    if (to === ref.length) break;
  }
  const loudest = Math.max(...windows.map((w) => w.peak));
  const points: [number, number][] = [];
  const rs: number[] = [];
  for (const w of windows) {
    if (w.peak < loudest * 0.1) continue; // no voice (or clap) here to measure by
    const to = Math.min(ref.length, w.from + LAG_WINDOW_MS);
    let top = { lagMs: 0, r: -1 };
    for (let lag = LAG_MIN_MS; lag <= LAG_MAX_MS; lag++) {
      let n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
      for (let i = w.from; i < to; i++) {
        const j = i + lag;
        if (j < 0 || j >= other.length) continue;
        const x = ref[i]!;
        const y = other[j]!;
        n++;
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
      }
      if (n < 1000) continue;
      const r = (n * sxy - sx * sy) / Math.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy) || 1);
      if (r > top.r) top = { lagMs: lag, r };
    }
    if (process.env.MT_LAG_DEBUG) console.error(`measureLag ${otherFile}: window ${w.from}-${to} lag ${top.lagMs} r ${top.r.toFixed(3)}`);
    if (top.r >= LAG_MIN_R) {
      points.push([(w.from + to) / 2, top.lagMs]);
      rs.push(top.r);
    }
  }
  if (points.length === 0) return null;
  rs.sort((x, y) => x - y);
  return { points, r: rs[Math.floor(rs.length / 2)]! };
}

/**
 * The lag at take ms `t`: between two measured windows linear, before the first constant. After
 * the last window (the host fell silent: nothing left to measure by) it follows the drift measured
 * so far (the input's clock against the console's, a straight line fitted to the last windows),
 * not a constant: two clocks keep drifting apart while the host listens.
 */
export function lagAt(map: LagMap, t: number): number {
  const p = map.points;
  if (t <= p[0]![0]) return p[0]![1];
  const last = p[p.length - 1]!;
  if (t > last[0]) {
    const fit = p.slice(-DRIFT_FIT_POINTS);
    const span = last[0] - fit[0]![0];
    if (fit.length < 4 || span < 3000) return last[1];
    const mx = fit.reduce((a, q) => a + q[0], 0) / fit.length;
    const my = fit.reduce((a, q) => a + q[1], 0) / fit.length;
    const slope = fit.reduce((a, q) => a + (q[0] - mx) * (q[1] - my), 0) / fit.reduce((a, q) => a + (q[0] - mx) ** 2, 0);
    // A fitted drift beyond what clocks do (0.5%) is noise in the windows, not drift.
    const drift = Math.max(-DRIFT_MAX, Math.min(DRIFT_MAX, slope));
    return last[1] + drift * (t - last[0]);
  }
  for (let i = 1; i < p.length; i++) {
    const [t1, l1] = p[i]!;
    if (t <= t1) {
      const [t0, l0] = p[i - 1]!;
      return l0 + ((l1 - l0) * (t - t0)) / (t1 - t0);
    }
  }
  return p[p.length - 1]![1];
}

/**
 * The export of a take (issue 13, issue 18): one folder and a zip of it, with a WAV per voice
 * named by speaker, the program mix, the stage return, the transcript (SRT, VTT, JSON), the
 * markers and a manifest. One clock for every track: the take's zero is its microphone's first
 * sample on the Space server's clock, and its length is the microphone track's. Every source is
 * placed by when its audio was captured (see each source's `placedBy`), then padded with silence
 * or cut at both ends to exactly the take's span, so the files line up in any DAW as they are and
 * are all as long as the take.
 */
export async function exportTake(input: ExportInput): Promise<ExportResult> {
  const { take } = input;
  const folder = input.outDir;
  mkdirSync(folder, { recursive: true });
  const zero = take.startedAt + take.serverOffsetMs;
  const track = (kind: string): TakeInfo['tracks'][number] => take.tracks.find((t) => t.kind === kind)!;
  const mic = track('mic');
  const durationMs = (((mic.bytes - WAV_HEADER_BYTES) / BYTES_PER_SAMPLE) * 1000) / mic.sampleRate;
  const consoleTiming = input.consoleTiming?.length ? smoothTiming(input.consoleTiming.map(([s, t]) => [s, t + take.serverOffsetMs]), track('program').sampleRate) : undefined;
  const local = (kind: string, name: string, placedBy: string, timing?: [number, number][]): VoiceSource => ({
    ...localWavSource(track(kind).file, name, 'studio', track(kind).startedAt + take.serverOffsetMs),
    placedBy,
    timing,
  });
  const bedPlacement = consoleTiming
    ? 'the console’s output clock, chunk by chunk: when each part was played, less the output’s and the input’s latency'
    : 'the console’s clock at its first sample (no per-chunk timing in this take)';
  const voices: VoiceSource[] = [local('mic', input.selfName, 'the capture time of its first sample'), ...input.others];
  const beds: VoiceSource[] = [local('program', 'program-mix', bedPlacement, consoleTiming), local('stage', 'stage-return', bedPlacement, consoleTiming)];
  const used = new Set<string>();
  const written: { file: string; name: string; kind: 'voice' | 'program' | 'stage'; origin: string; offsetMs: number; startedAt: number; placedBy: string; samples: number; sampleRate: number }[] = [];
  const outFiles = new Map<VoiceSource, string>();
  try {
    for (const [i, v] of [...voices, ...beds].entries()) {
      let name = safe(v.name);
      for (let n = 2; used.has(name.toLowerCase()); n++) name = `${safe(v.name)} ${n}`;
      used.add(name.toLowerCase());
      const fileName = `${name}.wav`;
      outFiles.set(v, join(folder, fileName));
      const total = await renderOnTake(v, zero, durationMs, join(folder, fileName), null);
      written.push({
        file: fileName,
        name: v.name,
        kind: i < voices.length ? 'voice' : v.name === 'program-mix' ? 'program' : 'stage',
        origin: v.origin,
        offsetMs: v.startedAt - zero,
        startedAt: v.startedAt,
        placedBy: v.placedBy ?? 'its first sample’s time',
        samples: total,
        sampleRate: v.sampleRate,
      });
    }
    // The latencies no clock reports, measured on this take from the host's own voice, which is
    // in the mic track (as captured), in the program mix (through the console) and in the
    // server's recording of the host (through the Studio's send path, like every speaker's).
    const micFile = outFiles.get(voices[0]!)!;
    const fix = async (targets: VoiceSource[], lag: LagMap | null, what: string): Promise<void> => {
      if (!lag) return;
      const lags = lag.points.map((p) => p[1]);
      for (const v of targets) {
        await renderOnTake(v, zero, durationMs, outFiles.get(v)!, lag);
        const w = written.find((x) => join(folder, x.file) === outFiles.get(v))!;
        w.placedBy += `, less ${what} measured on this take from the host's voice (${Math.min(...lags)}-${Math.max(...lags)} ms over ${lags.length} windows, median r=${lag.r.toFixed(2)})`;
        w.offsetMs -= lagAt(lag, 0);
      }
    };
    await fix(beds, measureLag(micFile, outFiles.get(beds[0]!)!, outFiles.get(beds[1]!)!), 'the console’s input latency');
    const stage = input.others.filter((v) => v.origin === 'server-stage');
    if (input.selfServer && stage.length) {
      const probe = join(folder, '.self-server.wav');
      try {
        await renderOnTake(input.selfServer, zero, durationMs, probe, null);
        await fix(stage, measureLag(micFile, probe), 'the Studio send path’s latency');
      } finally {
        rmSync(probe, { force: true });
      }
    }
  } finally {
    for (const v of [...input.others, ...(input.selfServer ? [input.selfServer] : [])]) for (const part of [v, ...(v.more ?? [])]) part.dispose?.();
  }
  // Transcript and markers on the export's zero.
  // Only what was said during the take: segments that ended before it or began after it are left out.
  const shift = input.transcript.offsetMs ?? 0;
  const segments = input.transcript.segments
    .filter((s) => s.endMs + shift > 0 && s.startMs + shift < durationMs)
    .map((s) => ({ ...s, startMs: Math.max(0, Math.round(s.startMs + shift)), endMs: Math.min(Math.round(durationMs), Math.round(s.endMs + shift)) }))
    .filter((s) => s.endMs > s.startMs);
  writeFileSync(join(folder, 'transcript.srt'), toSrt(segments));
  writeFileSync(join(folder, 'transcript.vtt'), toVtt(segments));
  writeFileSync(join(folder, 'transcript.json'), toJson(segments));
  const markers = input.markers.filter((m) => m.atMs <= durationMs);
  writeFileSync(join(folder, 'markers.json'), JSON.stringify(markers, null, 2));
  // Audacity/DAW label track: start<TAB>end<TAB>label (seconds).
  writeFileSync(join(folder, 'markers.txt'), markers.map((m) => `${(m.atMs / 1000).toFixed(3)}\t${(m.atMs / 1000).toFixed(3)}\t${m.kind}: ${m.label}`).join('\n') + '\n');
  const manifest = {
    format: 'spaces-studio-multitrack/1',
    takeId: take.id,
    spaceId: take.spaceId,
    zero: { spaceClockMs: zero, durationMs: Math.round(durationMs), note: 'every WAV starts at this instant (the take microphone’s first sample, Space server clock, ms since the epoch) and lasts durationMs' },
    tracks: written,
    transcript: { files: ['transcript.srt', 'transcript.vtt', 'transcript.json'], aligned: input.transcript.offsetMs !== null },
    markers: 'markers.json',
    status: take.status,
    message: take.message,
  };
  writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest, null, 2));
  const files = [...written.map((w) => w.file), 'transcript.srt', 'transcript.vtt', 'transcript.json', 'markers.json', 'markers.txt', 'manifest.json'];
  const zip = `${folder}.zip`;
  await new Promise<void>((resolve, reject) => {
    const z = new yazl.ZipFile();
    const dirName = basename(folder);
    for (const f of files) z.addFile(join(folder, f), `${dirName}/${f}`, { compress: !f.endsWith('.wav') });
    z.end();
    const ws = createWriteStream(zip);
    z.outputStream.pipe(ws).on('close', resolve).on('error', reject);
  });
  if (!existsSync(zip)) throw new Error('zip not written');
  return { folder, zip, files };
}
