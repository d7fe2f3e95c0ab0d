import { createSocket, type Socket } from 'node:dgram';
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AudioStream, type RemoteAudioTrack } from '@livekit/rtc-node';
import type { ProgramTap } from '../port.js';

const RATE = 48_000;
/** One packet = 10 ms of mono 48 kHz. */
const FRAME = 480;
/** A speaker's queue beyond this (their clock runs fast, or decoding came in a burst) is cut back to `KEEP`. */
const MAX_QUEUED = 50 * FRAME;
const KEEP = 10 * FRAME;

/** One speaker's decoded audio waiting to be mixed. */
class SpeakerQueue {
  private chunks: Int16Array[] = [];
  private offset = 0;
  queued = 0;

  push(samples: Int16Array): void {
    this.chunks.push(samples);
    this.queued += samples.length;
    while (this.queued > MAX_QUEUED) this.drop(this.queued - KEEP);
  }

  /** Adds up to `out.length` samples into `out` (fewer when the queue runs dry: that is silence). */
  mixInto(out: Int32Array): void {
    let i = 0;
    while (i < out.length && this.chunks.length) {
      const c = this.chunks[0]!;
      const n = Math.min(out.length - i, c.length - this.offset);
      for (let k = 0; k < n; k++) out[i + k]! += c[this.offset + k]!;
      i += n;
      this.consume(n);
    }
  }

  private drop(n: number): void {
    while (n > 0 && this.chunks.length) {
      const take = Math.min(n, this.chunks[0]!.length - this.offset);
      this.consume(take);
      n -= take;
    }
  }

  private consume(n: number): void {
    this.offset += n;
    this.queued -= n;
    if (this.offset >= this.chunks[0]!.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}

/**
 * The stage's program mix on LiveKit (issue 20): LiveKit forwards each voice and mixes nothing, so
 * the server's own participant decodes every speaker (`AudioStream`, 48 kHz mono), sums them every
 * 10 ms and sends the sum as plain RTP (L16, payload type 96) to each tap: the recorder's UDP port,
 * exactly where Janus' `rtp_forward` sends its Opus mix. It sends continuously (silence when
 * nobody speaks), like AudioBridge. Decoding starts only while a tap exists.
 */
export class ProgramMix {
  private readonly tracks = new Map<string, { track: RemoteAudioTrack; name: string; queue?: SpeakerQueue; reader?: ReadableStreamDefaultReader; file?: SpeakerFile }>();
  /** Per-speaker recording (multitrack): one WAV per speaker track into this folder, or off. */
  private recordDir: string | null = null;
  private readonly taps = new Map<string, ProgramTap>();
  private socket?: Socket;
  private timer?: NodeJS.Timeout;
  private seq = randomBytes(2).readUInt16BE();
  private ts = randomBytes(4).readUInt32BE();
  private readonly ssrc = randomBytes(4).readUInt32BE();
  private started = 0;
  private sent = 0;

  /** `name`: the file name stem of this speaker's own track (`lk-user-<id>`). */
  addTrack(sid: string, track: RemoteAudioTrack, name: string): void {
    if (this.tracks.has(sid)) return;
    this.tracks.set(sid, { track, name });
    if (this.taps.size || this.recordDir) this.decode(sid);
  }

  removeTrack(sid: string): void {
    const t = this.tracks.get(sid);
    this.tracks.delete(sid);
    void t?.reader?.cancel().catch(() => undefined);
    t?.file?.finish();
  }

  /**
   * Each speaker's own track as it arrives (48 kHz 24-bit WAV, `<name>-<first sample, server ms>.wav`,
   * finished when the speaker leaves or recording stops), or off with `null`.
   */
  setRecording(dir: string | null): void {
    this.recordDir = dir;
    for (const [sid, t] of this.tracks) {
      if (dir) {
        this.decode(sid);
        t.file ??= new SpeakerFile(dir, t.name);
      } else {
        t.file?.finish();
        t.file = undefined;
      }
    }
    if (!dir && !this.taps.size) this.stopDecoding();
  }

  addTap(tap: ProgramTap): void {
    this.taps.set(tap.id, tap);
    if (this.taps.size === 1) this.start();
  }

  removeTap(id: string): void {
    this.taps.delete(id);
    if (this.taps.size === 0) this.stop();
  }

  get tapList(): ProgramTap[] {
    return [...this.taps.values()];
  }

  close(): void {
    this.taps.clear();
    this.recordDir = null;
    this.stop();
    for (const sid of [...this.tracks.keys()]) this.removeTrack(sid);
  }

  private decode(sid: string): void {
    const t = this.tracks.get(sid);
    if (!t || t.reader) return;
    const queue = new SpeakerQueue();
    const reader = new AudioStream(t.track, { sampleRate: RATE, numChannels: 1 }).getReader();
    t.queue = queue;
    t.reader = reader;
    if (this.recordDir) t.file ??= new SpeakerFile(this.recordDir, t.name);
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          if (this.timer) queue.push(value.data as Int16Array);
          t.file?.write(value.data as Int16Array);
        }
      } catch {
        /* track gone */
      }
    })();
  }

  private start(): void {
    for (const sid of this.tracks.keys()) this.decode(sid);
    this.socket = createSocket('udp4');
    this.started = performance.now();
    this.sent = 0;
    // Packets are due by the clock, not by the timer's accuracy: each tick sends what is due.
    this.timer = setInterval(() => this.tick(), 5);
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.socket?.close();
    this.socket = undefined;
    if (!this.recordDir) this.stopDecoding();
  }

  private stopDecoding(): void {
    for (const t of this.tracks.values()) {
      void t.reader?.cancel().catch(() => undefined);
      t.reader = undefined;
      t.queue = undefined;
    }
  }

  private tick(): void {
    const due = Math.floor((performance.now() - this.started) / 10);
    // After a stall, catch up (the recorder's jitter buffer holds 300 ms); beyond that the gap stays a gap.
    if (due - this.sent > 25) this.sent = due - 25;
    while (this.sent < due) {
      this.sent++;
      this.send();
    }
  }

  private send(): void {
    const acc = new Int32Array(FRAME);
    for (const t of this.tracks.values()) t.queue?.mixInto(acc);
    const packet = Buffer.alloc(12 + FRAME * 2);
    packet[0] = 0x80;
    packet[1] = 96;
    packet.writeUInt16BE(this.seq, 2);
    packet.writeUInt32BE(this.ts >>> 0, 4);
    packet.writeUInt32BE(this.ssrc, 8);
    for (let i = 0; i < FRAME; i++) packet.writeInt16BE(Math.max(-32768, Math.min(32767, acc[i]!)), 12 + 2 * i);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + FRAME) >>> 0;
    for (const tap of this.taps.values()) this.socket?.send(packet, tap.port, tap.host);
  }
}

/** One speaker's track being written: raw samples into `<name>-<ms>.wav.part`, a WAV once finished. */
class SpeakerFile {
  private fd: number | null;
  private bytes = 0;
  private readonly path: string;

  constructor(dir: string, name: string) {
    this.path = join(dir, `${name}-${Date.now()}.wav`);
    this.fd = openSync(`${this.path}.part`, 'w');
    writeSync(this.fd, Buffer.alloc(44)); // the header, written for real at the end
  }

  /** As 24-bit samples, like the Janus engine's decoded tracks. */
  write(samples: Int16Array): void {
    if (this.fd === null) return;
    const b = Buffer.alloc(samples.length * 3);
    for (let i = 0; i < samples.length; i++) b.writeIntLE(samples[i]! * 256, i * 3, 3);
    writeSync(this.fd, b);
    this.bytes += b.length;
  }

  finish(): void {
    if (this.fd === null) return;
    const h = Buffer.alloc(44);
    h.write('RIFF', 0, 'ascii');
    h.writeUInt32LE(36 + this.bytes, 4);
    h.write('WAVEfmt ', 8, 'ascii');
    h.writeUInt32LE(16, 16);
    h.writeUInt16LE(1, 20);
    h.writeUInt16LE(1, 22);
    h.writeUInt32LE(RATE, 24);
    h.writeUInt32LE(RATE * 3, 28);
    h.writeUInt16LE(3, 32);
    h.writeUInt16LE(24, 34);
    h.write('data', 36, 'ascii');
    h.writeUInt32LE(this.bytes, 40);
    writeSync(this.fd, h, 0, 44, 0);
    closeSync(this.fd);
    this.fd = null;
    renameSync(`${this.path}.part`, this.path);
  }
}
