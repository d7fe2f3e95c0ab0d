/** What the host chooses for the broadcast's Opus encoding. */
export interface BroadcastQuality {
  /** Target bitrate in bits per second: 32 kb/s is good voice, 128 kb/s is music quality. */
  bitrate: number;
  /** Discontinuous transmission saves bandwidth in pauses; it must be off for music. */
  dtx: boolean;
  /** Stereo only where the room mixes in stereo. */
  stereo: boolean;
}

/** `key` names the preset's label in the UI catalogues (quality.<key>). */
export const QUALITY_PRESETS: { key: 'voice' | 'voiceHd' | 'music'; quality: BroadcastQuality }[] = [
  { key: 'voice', quality: { bitrate: 32_000, dtx: true, stereo: false } },
  { key: 'voiceHd', quality: { bitrate: 64_000, dtx: false, stereo: false } },
  { key: 'music', quality: { bitrate: 128_000, dtx: false, stereo: false } },
];

/**
 * Writes the chosen Opus parameters into the answer's fmtp line: the answer is what our sender
 * obeys (maxaveragebitrate, usedtx, stereo).
 */
export function applyOpusParams(sdp: string, q: BroadcastQuality): string {
  const pt = /a=rtpmap:(\d+) opus\/48000/i.exec(sdp)?.[1];
  if (!pt) return sdp;
  const lines = sdp.split('\r\n');
  const wanted: Record<string, string> = {
    maxaveragebitrate: String(q.bitrate),
    usedtx: q.dtx ? '1' : '0',
    stereo: q.stereo ? '1' : '0',
    'sprop-stereo': q.stereo ? '1' : '0',
  };
  const i = lines.findIndex((l) => l.startsWith(`a=fmtp:${pt} `));
  const params = new Map<string, string>();
  if (i >= 0) {
    for (const kv of lines[i]!.slice(`a=fmtp:${pt} `.length).split(';')) {
      const [k, v] = kv.split('=');
      if (k) params.set(k.trim(), (v ?? '').trim());
    }
  }
  for (const [k, v] of Object.entries(wanted)) params.set(k, v);
  const line = `a=fmtp:${pt} ${[...params].map(([k, v]) => `${k}=${v}`).join(';')}`;
  if (i >= 0) lines[i] = line;
  else lines.splice(lines.findIndex((l) => l.startsWith(`a=rtpmap:${pt} `)) + 1, 0, line);
  return lines.join('\r\n');
}

/** Caps the sender's bitrate too (browsers honour this even where the SDP is ignored). */
export async function applySenderQuality(sender: RTCRtpSender, q: BroadcastQuality): Promise<void> {
  const params = sender.getParameters();
  if (!params.encodings?.length) params.encodings = [{}];
  params.encodings[0]!.maxBitrate = q.bitrate;
  await sender.setParameters(params);
}
