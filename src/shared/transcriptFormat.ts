import type { CaptionSegment, TranscriptFormat } from './transcript.js';

/**
 * Transcript files: SRT, WebVTT, plain text and JSON, written from final segments, and SRT/VTT
 * parsed back (the export is proved by reading it back). Used by the Studio's export and by the
 * server's download route.
 */

function clock(ms: number, sep: ',' | '.'): string {
  const t = Math.max(0, Math.round(ms));
  const h = Math.floor(t / 3_600_000);
  const m = Math.floor((t % 3_600_000) / 60_000);
  const s = Math.floor((t % 60_000) / 1000);
  const f = t % 1000;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}${sep}${String(f).padStart(3, '0')}`;
}

/** One line of caption text: newlines and arrows would break the cue structure. */
function cueText(s: CaptionSegment): string {
  const text = s.text.replace(/\s+/g, ' ').replace(/-->/g, '->').trim();
  return s.speakerName ? `${s.speakerName.replace(/[:\n]/g, ' ').trim()}: ${text}` : text;
}

/** Final segments in time order, non-empty, with end >= start and never overlapping backwards. */
export function exportable(segments: readonly CaptionSegment[]): CaptionSegment[] {
  return segments
    .filter((s) => s.final && s.text.trim())
    .slice()
    .sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
}

export function toSrt(segments: readonly CaptionSegment[]): string {
  return exportable(segments)
    .map((s, i) => `${i + 1}\n${clock(s.startMs, ',')} --> ${clock(s.endMs, ',')}\n${cueText(s)}\n`)
    .join('\n');
}

export function toVtt(segments: readonly CaptionSegment[]): string {
  const cues = exportable(segments).map((s) => `${s.id}\n${clock(s.startMs, '.')} --> ${clock(s.endMs, '.')}\n${cueText(s)}\n`);
  return `WEBVTT\n\n${cues.join('\n')}`;
}

export function toTxt(segments: readonly CaptionSegment[]): string {
  return exportable(segments)
    .map((s) => `[${clock(s.startMs, '.').slice(0, 8)}] ${cueText(s)}`)
    .join('\n')
    .concat('\n');
}

export function toJson(segments: readonly CaptionSegment[]): string {
  return JSON.stringify({ segments: exportable(segments) }, null, 2);
}

export const FORMAT_MIME: Record<TranscriptFormat, string> = {
  srt: 'application/x-subrip; charset=utf-8',
  vtt: 'text/vtt; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export function formatTranscript(format: TranscriptFormat, segments: readonly CaptionSegment[]): string {
  switch (format) {
    case 'srt':
      return toSrt(segments);
    case 'vtt':
      return toVtt(segments);
    case 'txt':
      return toTxt(segments);
    case 'json':
      return toJson(segments);
  }
}

export interface ParsedCue {
  startMs: number;
  endMs: number;
  text: string;
}

function parseClock(s: string): number {
  const m = /^(?:(\d+):)?(\d{2}):(\d{2})[.,](\d{3})$/.exec(s.trim());
  if (!m) throw new Error(`bad timestamp "${s}"`);
  return Number(m[1] ?? 0) * 3_600_000 + Number(m[2]) * 60_000 + Number(m[3]) * 1000 + Number(m[4]);
}

/** Parses SRT or WebVTT cues (enough of both formats to read back what we write, and common files). */
export function parseCues(text: string): ParsedCue[] {
  const blocks = text.replace(/\r\n/g, '\n').split(/\n{2,}/);
  const cues: ParsedCue[] = [];
  for (const block of blocks) {
    const lines = block.split('\n').filter((l) => l.length > 0);
    const at = lines.findIndex((l) => l.includes('-->'));
    if (at < 0) continue;
    const [from, rest] = lines[at]!.split('-->');
    const to = rest!.trim().split(/\s+/)[0]!;
    cues.push({ startMs: parseClock(from!), endMs: parseClock(to), text: lines.slice(at + 1).join('\n') });
  }
  return cues;
}
