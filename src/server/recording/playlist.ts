/** One stored segment as the playlists need it. */
export interface PlaylistSegment {
  /** Index over the whole recording (all runs): the media sequence number. */
  seq: number;
  /** Recorder run: a new run after a gap (crash, restart) starts with a discontinuity. */
  run: number;
  file: string;
  durationMs: number;
  positionMs: number;
  /** Wall time the segment's audio began (server clock): lets players show how far behind they are. */
  startedAt?: number;
}

const MPEGURL = '#EXTM3U';

function lines(segs: PlaylistSegment[], uriPrefix: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (i > 0 && segs[i - 1]!.run !== s.run) out.push('#EXT-X-DISCONTINUITY');
    if (s.startedAt !== undefined) out.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.startedAt).toISOString()}`);
    out.push(`#EXTINF:${(s.durationMs / 1000).toFixed(3)},`, uriPrefix + s.file);
  }
  return out;
}

function target(segs: PlaylistSegment[], targetS: number): number {
  return Math.max(targetS, ...segs.map((s) => Math.ceil(s.durationMs / 1000)));
}

/**
 * The live playlist: the newest segments (a sliding window, RFC 8216 §6.2.2), with discontinuity
 * tags where the recorder restarted. `discontinuitySequence`: run changes before the window's
 * first segment. `ended` closes it (players stop at the end).
 */
export function livePlaylist(segs: PlaylistSegment[], opts: { targetS: number; discontinuitySequence: number; ended: boolean; uriPrefix?: string }): string {
  return [
    MPEGURL,
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${target(segs, opts.targetS)}`,
    `#EXT-X-MEDIA-SEQUENCE:${segs[0]?.seq ?? 0}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${opts.discontinuitySequence}`,
    ...lines(segs, opts.uriPrefix ?? ''),
    ...(opts.ended ? ['#EXT-X-ENDLIST'] : []),
    '',
  ].join('\n');
}

/** The whole recording as video-on-demand (replay), or a stretch of it (a clip, starting at `startOffsetMs` into its first segment). */
export function vodPlaylist(segs: PlaylistSegment[], opts: { targetS: number; uriPrefix?: string; startOffsetMs?: number }): string {
  return [
    MPEGURL,
    '#EXT-X-VERSION:3',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXT-X-TARGETDURATION:${target(segs, opts.targetS)}`,
    `#EXT-X-MEDIA-SEQUENCE:${segs[0]?.seq ?? 0}`,
    ...(opts.startOffsetMs ? [`#EXT-X-START:TIME-OFFSET=${(opts.startOffsetMs / 1000).toFixed(3)},PRECISE=YES`] : []),
    ...lines(segs, opts.uriPrefix ?? ''),
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

/** The segments covering [startMs, endMs) of the recording's timeline. */
export function segmentsCovering(all: PlaylistSegment[], startMs: number, endMs: number): PlaylistSegment[] {
  return all.filter((s) => s.positionMs < endMs && s.positionMs + s.durationMs > startMs);
}
