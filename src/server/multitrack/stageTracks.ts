import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
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
  /** Server-clock ms of the first sample. */
  startedAt: number;
  bytes: number;
  sampleRate: number;
  file: string;
}

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

  /** The media layer saw a participant join the stage: their recording is named after them. */
  participantJoined(key: number, participantId: number, display: string): void {
    this.names.set(`${key}/${participantId}`, display);
  }

  private spaceDir(spaceId: string): string {
    return join(this.dir, spaceId, 'stage');
  }

  async record(key: number, spaceId: string, on: boolean): Promise<void> {
    const dir = this.spaceDir(spaceId);
    mkdirSync(dir, { recursive: true });
    await this.media.setParticipantRecording(key, on ? dir : null);
    // Decode as soon as the take ends, so the host's export rarely waits for it.
    if (!on) void this.tracks(key, spaceId).catch(() => undefined);
  }

  /** Decodes every recording not decoded yet and lists the tracks. */
  tracks(key: number, spaceId: string): Promise<StageTrack[]> {
    const running = this.decoding.get(spaceId);
    if (running) return running;
    const p = this.decodeAll(key, spaceId).finally(() => this.decoding.delete(spaceId));
    this.decoding.set(spaceId, p);
    return p;
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
      const id = /user-(\d+)/.exec(base)?.[1] ?? /-(\d+)-\d+-audio$/.exec(base)?.[1];
      out.push({
        name: `${base}.wav`,
        displayName: (id && this.names.get(`${key}/${id}`)) || `participant ${id ?? base}`,
        startedAt: header.firstWrittenMs,
        bytes: statSync(wav).size,
        sampleRate: 48_000,
        file: wav,
      });
    }
    // LiveKit (issue 20): the server's participant writes each speaker's WAV itself, `lk-user-<id>-<first sample ms>.wav`.
    for (const f of readdirSync(dir).filter((x) => /^lk-user-\d+-\d+\.wav$/.test(x)).sort()) {
      const [, id, at] = /^lk-user-(\d+)-(\d+)\.wav$/.exec(f)!;
      const file = join(dir, f);
      out.push({ name: f, displayName: this.names.get(`${key}/${id}`) || `participant ${id}`, startedAt: Number(at), bytes: statSync(file).size, sampleRate: 48_000, file });
    }
    return out;
  }

  file(spaceId: string, name: string): string {
    const file = join(this.spaceDir(spaceId), name);
    if (!name.endsWith('.wav') || name.includes('/') || !existsSync(file)) throw new AppError('not_found', 'no such stage track');
    return file;
  }
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
