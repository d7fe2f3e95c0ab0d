import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One finished segment as the recorder's own playlist lists it. */
export interface RunSegment {
  file: string;
  durationMs: number;
  /** Wall time the segment file was closed (its mtime): the segment ends here. */
  closedAt: number;
}

export interface RecorderOptions {
  /** Folder of this Space's recording (segments, run playlists, FLAC takes). */
  dir: string;
  /** Where the stage mix arrives as plain RTP (Opus, payload type 111). */
  host: string;
  port: number;
  /** HLS target segment length in whole seconds. */
  segmentS: number;
  gstBinary?: string;
  /** What arrives: RTP Opus, payload type 111 (Janus' forward, default), or RTP L16 mono 48 kHz, payload type 96 (LiveKit's program mix, issue 20). */
  input?: 'opus' | 'l16';
}

/** The file names of one run: `r<run>-00000.ts` ..., `r<run>.m3u8`, `r<run>.flac`. */
export const runPlaylist = (run: number): string => `r${run}.m3u8`;
export const SEGMENT_FILE = /^r(\d{1,6})-(\d{5})\.ts$/;

/**
 * One GStreamer process that records one Space's stage mix: RTP in (udpsrc, jitter buffer, Opus
 * decode, audiorate for gapless timestamps), then a tee: AAC (voaacenc) into MPEG-TS segments with `hlssink2` (hls.js and Safari
 * play AAC in TS), and a FLAC take of the decoded stage (the lossless download). `hlssink2` lists
 * a segment in its playlist only once the segment is complete, and rewrites the playlist by
 * rename, so a SIGKILL loses at most the segment in progress. A new process is a new run with new
 * file names; the service stitches runs together with a discontinuity (the gap).
 *
 * The process runs under `setpriv --pdeathsig KILL`: if the server dies, the recorder dies with it
 * (and the restarted server starts the next run).
 * Events: `exit` (code, signal) when the process ends by itself.
 */
export class Recorder extends EventEmitter {
  private child?: ChildProcess;
  private stopping = false;

  constructor(
    private readonly options: RecorderOptions,
    readonly run: number,
  ) {
    super();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const { dir, host, port, segmentS } = this.options;
    const pcm = this.options.input === 'l16';
    const caps = pcm
      ? 'application/x-rtp,media=audio,clock-rate=48000,encoding-name=L16,encoding-params=1,channels=1,payload=96'
      : 'application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111';
    const args = [
      '-q',
      // On SIGINT: end-of-stream, so the last segment is listed and the FLAC header written.
      '-e',
      'udpsrc', `address=${host}`, `port=${port}`, `caps=${caps}`,
      // A recorder can wait: 300 ms of reordering room, and nothing dropped when the process was
      // starved of CPU for a moment and the packets arrive in a burst (drop-on-latency would).
      '!', 'rtpjitterbuffer', 'latency=300',
      ...(pcm ? ['!', 'rtpL16depay'] : ['!', 'rtpopusdepay', '!', 'opusdec', 'plc=true']),
      '!', 'audioconvert', '!', 'audioresample', '!', 'audio/x-raw,rate=48000,channels=1',
      // A perfect stream for the muxers: lost packets become silence, overlaps are dropped
      // (splitmuxsink stops with "Timestamping error" on timestamps that go back).
      '!', 'audiorate', 'skip-to-first=true',
      '!', 'tee', 'name=t',
      't.', '!', 'queue', '!', 'voaacenc', 'bitrate=64000', '!', 'aacparse',
      '!', 'hlssink2', `location=${join(dir, `r${this.run}-%05d.ts`)}`, `playlist-location=${join(dir, runPlaylist(this.run))}`,
      `target-duration=${segmentS}`, 'max-files=0', 'playlist-length=0',
      't.', '!', 'queue', '!', 'flacenc', '!', 'filesink', `location=${join(dir, `r${this.run}.flac`)}`,
    ];
    const binary = this.options.gstBinary ?? 'gst-launch-1.0';
    const hasSetpriv = existsSync('/usr/bin/setpriv');
    const child = hasSetpriv
      ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', binary, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.on('exit', (code, signal) => {
      this.child = undefined;
      if (!this.stopping) this.emit('exit', code, signal, err.trim());
    });
  }

  /** Ends the recording cleanly (SIGINT = end-of-stream: the segment in progress is finished), or kills it after 2.5 s. */
  stop(): void {
    this.stopping = true;
    const child = this.child;
    if (!child) return;
    child.kill('SIGINT');
    setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 2500).unref();
  }

  /** The segments this run has finished so far (parsed from its own playlist). */
  segments(): RunSegment[] {
    return readRunSegments(this.options.dir, this.run);
  }
}

/** Parses a run's playlist (written by hlssink2). Missing playlist = no segment yet. */
export function readRunSegments(dir: string, run: number): RunSegment[] {
  let text: string;
  try {
    text = readFileSync(join(dir, runPlaylist(run)), 'utf8');
  } catch {
    return [];
  }
  const out: RunSegment[] = [];
  let duration: number | null = null;
  for (const line of text.split('\n').map((l) => l.trim())) {
    const inf = /^#EXTINF:([0-9.]+)/.exec(line);
    if (inf) duration = Number(inf[1]);
    else if (line && !line.startsWith('#') && duration !== null) {
      if (SEGMENT_FILE.test(line)) {
        try {
          out.push({ file: line, durationMs: Math.round(duration * 1000), closedAt: Math.round(statSync(join(dir, line)).mtimeMs) });
        } catch {
          // listed but gone (deleted recording): skip
        }
      }
      duration = null;
    }
  }
  return out;
}
