import type { ClipFormat } from '../../shared/soundboard.js';

/**
 * Recognizes an audio file by its content, never by its name, and checks that its header is
 * whole: WAV (PCM/float), MP3 (MPEG audio frames, optional ID3 tag), Ogg (Opus or Vorbis), FLAC.
 * Returns the format or a sentence saying what is wrong.
 */
export function sniffAudio(b: Buffer): { ok: true; format: ClipFormat } | { ok: false; reason: string } {
  if (b.length < 16) return { ok: false, reason: 'the file is empty or too short to be audio' };
  const ascii = (at: number, n: number): string => b.toString('latin1', at, at + n);

  if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WAVE') {
    let at = 12;
    let fmtOk = false;
    while (at + 8 <= b.length) {
      const id = ascii(at, 4);
      const size = b.readUInt32LE(at + 4);
      if (id === 'fmt ') {
        if (size < 16 || at + 8 + 16 > b.length) return { ok: false, reason: 'the WAV file has a broken format header' };
        const tag = b.readUInt16LE(at + 8);
        const channels = b.readUInt16LE(at + 10);
        const rate = b.readUInt32LE(at + 12);
        if (![1, 3, 0xfffe].includes(tag)) return { ok: false, reason: 'the WAV file is compressed in a way we cannot play (only PCM and float)' };
        if (channels < 1 || channels > 8 || rate < 8000 || rate > 192_000) return { ok: false, reason: 'the WAV file has an impossible channel count or sample rate' };
        fmtOk = true;
      } else if (id === 'data') {
        if (!fmtOk) return { ok: false, reason: 'the WAV file has audio data before its format header' };
        if (b.length - (at + 8) < 2) return { ok: false, reason: 'the WAV file has no audio data' };
        return { ok: true, format: 'wav' };
      }
      at += 8 + size + (size % 2);
    }
    return { ok: false, reason: 'the WAV file is cut short (no audio data)' };
  }

  if (ascii(0, 4) === 'fLaC') {
    const type = b[4]! & 0x7f;
    const len = b.readUIntBE(5, 3);
    if (type !== 0 || len !== 34 || b.length < 8 + 34) return { ok: false, reason: 'the FLAC file has a broken stream header' };
    const rate = (b[18]! << 12) | (b[19]! << 4) | (b[20]! >> 4);
    if (rate === 0) return { ok: false, reason: 'the FLAC file has no sample rate' };
    return { ok: true, format: 'flac' };
  }

  if (ascii(0, 4) === 'OggS') {
    if (b[4] !== 0) return { ok: false, reason: 'the Ogg file has an unknown version' };
    const segments = b[26]!;
    const body = 27 + segments;
    if (b.length < body + 8) return { ok: false, reason: 'the Ogg file is cut short' };
    if (ascii(body, 8) === 'OpusHead' || ascii(body, 7) === '\x01vorbis') return { ok: true, format: 'ogg' };
    return { ok: false, reason: 'the Ogg file holds neither Opus nor Vorbis audio' };
  }

  let at = 0;
  if (ascii(0, 3) === 'ID3') {
    // ID3v2: 10-byte header, size as four 7-bit bytes.
    at = 10 + ((b[6]! & 0x7f) << 21) + ((b[7]! & 0x7f) << 14) + ((b[8]! & 0x7f) << 7) + (b[9]! & 0x7f);
    if (b[5]! & 0x10) at += 10; // footer
  }
  if (at + 4 <= b.length && b[at] === 0xff && (b[at + 1]! & 0xe0) === 0xe0) {
    const version = (b[at + 1]! >> 3) & 0x3;
    const layer = (b[at + 1]! >> 1) & 0x3;
    const bitrate = b[at + 2]! >> 4;
    const rate = (b[at + 2]! >> 2) & 0x3;
    if (version !== 1 && layer !== 0 && bitrate !== 0 && bitrate !== 15 && rate !== 3) return { ok: true, format: 'mp3' };
    return { ok: false, reason: 'the MP3 file has a broken frame header' };
  }
  if (ascii(0, 3) === 'ID3') return { ok: false, reason: 'the MP3 file has a tag but no audio after it' };
  return { ok: false, reason: 'unsupported format: the soundboard plays WAV, MP3, Ogg (Opus or Vorbis) and FLAC' };
}
