import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readSync, writeFileSync, writeSync, fstatSync } from 'node:fs';
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
  /** Writes the s24le samples into `fd` at `position`, returns bytes written. */
  copyTo(fd: number, position: number): Promise<number>;
}

export interface ExportInput {
  take: TakeInfo;
  outDir: string;
  selfName: string;
  markers: TakeMarker[];
  /** Transcript segments and the take-relative ms at which the transcript's zero fell (null: unknown). */
  transcript: { segments: CaptionSegment[]; offsetMs: number | null };
  /** Other voices (from the Space server). */
  others: VoiceSource[];
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
    async copyTo(out, position) {
      const src = openSync(file, 'r');
      try {
        const buf = Buffer.alloc(1024 * 1024 - ((1024 * 1024) % 6));
        let written = 0;
        for (let at = 0; at < layout.dataBytes; ) {
          const n = readSync(src, buf, 0, Math.min(buf.length, layout.dataBytes - at), layout.dataOffset + at);
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
    async copyTo(out, position) {
      let at = 0;
      while (at < track.bytes) {
        const { data } = (await request('track.read', { uploadId: track.uploadId, offset: at, length: Math.min(MAX_UPLOAD_CHUNK_BYTES, track.bytes - at) })) as { data: string };
        const buf = Buffer.from(data, 'base64');
        if (buf.length === 0) break;
        writeSync(out, buf, 0, buf.length, position + at);
        at += buf.length;
      }
      return at - (at % BYTES_PER_SAMPLE);
    },
  };
}

/** The server's decoded per-participant stage recording: downloaded to a temp file, then copied. */
export async function stageSource(spaceId: string, t: { name: string; displayName: string; startedAt: number; bytes: number }, request: ServerRequest, tmpDir: string): Promise<VoiceSource> {
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
  } finally {
    closeSync(fd);
  }
  return localWavSource(tmp, t.displayName, 'server-stage', t.startedAt);
}

/**
 * The export of a take (issue 13): one folder and a zip of it, with a WAV per voice named by
 * speaker, the program mix, the stage return, the transcript (SRT, VTT, JSON), the markers and a
 * manifest. Every WAV starts at the same zero, the earliest first sample of any track on the
 * Space's clock: a later track begins with silence, so they line up in any DAW as they are.
 */
export async function exportTake(input: ExportInput): Promise<ExportResult> {
  const { take } = input;
  const folder = input.outDir;
  mkdirSync(folder, { recursive: true });
  const localStart = take.startedAt + take.serverOffsetMs;
  const track = (kind: string): TakeInfo['tracks'][number] => take.tracks.find((t) => t.kind === kind)!;
  const local = (kind: string, name: string): VoiceSource => localWavSource(track(kind).file, name, 'studio', track(kind).startedAt + take.serverOffsetMs);
  const voices: VoiceSource[] = [local('mic', input.selfName), ...input.others];
  const beds: VoiceSource[] = [local('program', 'program-mix'), local('stage', 'stage-return')];
  const zero = Math.min(...[...voices, ...beds].map((v) => v.startedAt));
  const used = new Set<string>();
  const written: { file: string; name: string; kind: 'voice' | 'program' | 'stage'; origin: string; offsetMs: number; startedAt: number; samples: number; sampleRate: number }[] = [];
  for (const [i, v] of [...voices, ...beds].entries()) {
    let name = safe(v.name);
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${safe(v.name)} ${n}`;
    used.add(name.toLowerCase());
    const fileName = `${name}.wav`;
    const out = openSync(join(folder, fileName), 'w');
    try {
      const pad = Math.round(((v.startedAt - zero) * v.sampleRate) / 1000) * BYTES_PER_SAMPLE;
      if (pad > 0) writeSync(out, Buffer.alloc(pad), 0, pad, WAV_HEADER_BYTES);
      const bytes = await v.copyTo(out, WAV_HEADER_BYTES + pad);
      writeSync(out, wavHeader(v.sampleRate, pad + bytes), 0, WAV_HEADER_BYTES, 0);
      written.push({
        file: fileName,
        name: v.name,
        kind: i < voices.length ? 'voice' : v.name === 'program-mix' ? 'program' : 'stage',
        origin: v.origin,
        offsetMs: v.startedAt - zero,
        startedAt: v.startedAt,
        samples: (pad + bytes) / BYTES_PER_SAMPLE,
        sampleRate: v.sampleRate,
      });
    } finally {
      closeSync(out);
    }
  }
  // Transcript and markers on the export's zero.
  const shift = (localStart - zero) + (input.transcript.offsetMs ?? 0);
  const segments = input.transcript.segments.map((s) => ({ ...s, startMs: Math.max(0, Math.round(s.startMs + shift)), endMs: Math.max(0, Math.round(s.endMs + shift)) }));
  writeFileSync(join(folder, 'transcript.srt'), toSrt(segments));
  writeFileSync(join(folder, 'transcript.vtt'), toVtt(segments));
  writeFileSync(join(folder, 'transcript.json'), toJson(segments));
  const markers = input.markers.map((m) => ({ ...m, atMs: Math.round(m.atMs + localStart - zero) }));
  writeFileSync(join(folder, 'markers.json'), JSON.stringify(markers, null, 2));
  // Audacity/DAW label track: start<TAB>end<TAB>label (seconds).
  writeFileSync(join(folder, 'markers.txt'), markers.map((m) => `${(m.atMs / 1000).toFixed(3)}\t${(m.atMs / 1000).toFixed(3)}\t${m.kind}: ${m.label}`).join('\n') + '\n');
  const manifest = {
    format: 'spaces-studio-multitrack/1',
    takeId: take.id,
    spaceId: take.spaceId,
    zero: { spaceClockMs: zero, note: 'every WAV starts at this instant (Space server clock, ms since the epoch)' },
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
