import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The 3-byte Opus frame for 20 ms of silence (CELT, DTX-like): keeps a stage alive without an encoder. */
export const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

/**
 * Speech as Opus packets of 20 ms each (AudioBridge mixes 20 ms frames only): espeak-ng speech,
 * encoded once by ffmpeg's libopus into Ogg, then split into packets here.
 */
export function speechOpusPackets(dir: string, text = SPEECH): Buffer[] {
  const wav = join(dir, 'speech.wav');
  const ogg = join(dir, 'speech.opus');
  execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, text]);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', wav, '-ar', '48000', '-ac', '1', '-c:a', 'libopus', '-b:a', '32k', '-frame_duration', '20', '-application', 'voip', ogg]);
  const packets = oggPackets(readFileSync(ogg)).slice(2); // OpusHead, OpusTags
  if (packets.length < 50) throw new Error('the speech file has too few Opus packets');
  return packets;
}

const SPEECH =
  'Welcome to the audience benchmark. Every listener hears this speech through the stage, ' +
  'the mix, the forward and the streaming mountpoint. One, two, three, four, five, six, seven, eight, nine, ten.';

/** Splits an Ogg stream into its packets (one logical stream; lacing values of 255 continue a packet). */
export function oggPackets(data: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  let partial: Buffer[] = [];
  let at = 0;
  while (at + 27 <= data.length) {
    if (data.toString('latin1', at, at + 4) !== 'OggS') throw new Error(`not an Ogg page at byte ${at}`);
    const segments = data[at + 26]!;
    const table = data.subarray(at + 27, at + 27 + segments);
    let body = at + 27 + segments;
    for (const len of table) {
      partial.push(data.subarray(body, body + len));
      body += len;
      if (len < 255) {
        packets.push(Buffer.concat(partial));
        partial = [];
      }
    }
    at = body;
  }
  return packets;
}
