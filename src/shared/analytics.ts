import { z } from 'zod';
import { SpaceId } from './space.js';

/**
 * What the host learns about a Space (issue 22), counted by the server from what it already
 * sees: WebRTC listens (its own media peers), HLS / replay / clip plays (the pages' play reports,
 * `POST /api/listens`), reactions, speaking (the media layer's talk events), reminders. A listener
 * is an opaque key (an account or a guest connection, hashed with a per-Space salt): counted, never
 * identified.
 */

export const LISTEN_VIA = ['webrtc', 'hls', 'replay', 'clip'] as const;
export const ListenVia = z.enum(LISTEN_VIA);
export type ListenVia = z.infer<typeof ListenVia>;

/** What a page reports about a play that does not go through our media server. */
export const ListenReport = z
  .object({
    spaceId: SpaceId,
    via: z.enum(['hls', 'replay', 'clip']),
    /** Random per play, made by the page (no cookie, no account): ties start, progress and stop together. */
    session: z.string().regex(/^[a-zA-Z0-9_-]{8,40}$/),
    event: z.enum(['start', 'progress', 'stop']),
    /** Where the player is in the recording (replay and clip), for completion. */
    positionMs: z.number().int().nonnegative().max(7 * 86_400_000).optional(),
  })
  .strict();
export type ListenReport = z.infer<typeof ListenReport>;

export { LISTEN_HEARTBEAT_MS } from './listenHeartbeat.js';

export const MinuteBucket = z.object({
  /** Minute since the Space went live (0 = the first minute). */
  minute: z.number().int().nonnegative(),
  joins: z.number().int().nonnegative(),
  leaves: z.number().int().nonnegative(),
  /** Live listeners (WebRTC + HLS) at the end of the minute. */
  listening: z.number().int().nonnegative(),
});
export type MinuteBucket = z.infer<typeof MinuteBucket>;

export const SpaceAnalytics = z.object({
  spaceId: SpaceId,
  title: z.string(),
  startedAt: z.number().int().nullable(),
  endedAt: z.number().int().nullable(),
  /** Most live listeners (WebRTC + HLS) at once. */
  peakListeners: z.number().int().nonnegative(),
  /** Live listening time divided by the Space's live duration. */
  averageListeners: z.number().nonnegative(),
  uniqueListeners: z.number().int().nonnegative(),
  /** Every kind of listening, live and afterwards. */
  minutesListened: z.number().nonnegative(),
  /** Plays (sessions) and unique listeners per way of listening. */
  byVia: z.record(ListenVia, z.object({ sessions: z.number().int().nonnegative(), listeners: z.number().int().nonnegative(), minutes: z.number().nonnegative() })),
  curve: z.array(MinuteBucket),
  reactions: z.number().int().nonnegative(),
  speakers: z.array(z.object({ name: z.string(), talkMs: z.number().int().nonnegative() })),
  remindersSet: z.number().int().nonnegative(),
  replay: z.object({
    plays: z.number().int().nonnegative(),
    /** Mean of (furthest position reached / recording length) over replay plays, 0..1. */
    averageCompletion: z.number().min(0).max(1),
    /** Plays that reached 90 % of the recording. */
    completed: z.number().int().nonnegative(),
  }),
});
export type SpaceAnalytics = z.infer<typeof SpaceAnalytics>;

export const analyticsRequests = {
  /** The owner or a co-host of the Space (live or ended). */
  'analytics.get': { params: z.object({ spaceId: SpaceId }).strict(), result: z.object({ analytics: SpaceAnalytics }) },
} as const;

export const analyticsIpcCalls = {
  getAnalytics: { channel: 'analytics:get', request: z.object({ spaceId: SpaceId }).strict(), response: SpaceAnalytics },
  /** The same figures as CSV text (the Studio saves it where the host chooses). */
  analyticsCsv: { channel: 'analytics:csv', request: z.object({ spaceId: SpaceId }).strict(), response: z.object({ csv: z.string(), fileName: z.string() }) },
} as const;

/** CSV of the figures: a summary block, then the per-minute curve, then the speakers (RFC 4180 quoting). */
export function analyticsCsv(a: SpaceAnalytics): string {
  const q = (v: string | number): string => (typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const rows: (string | number)[][] = [
    ['metric', 'value'],
    ['space', a.spaceId],
    ['title', a.title],
    ['peak_listeners', a.peakListeners],
    ['average_listeners', Number(a.averageListeners.toFixed(2))],
    ['unique_listeners', a.uniqueListeners],
    ['minutes_listened', Number(a.minutesListened.toFixed(2))],
    ...LISTEN_VIA.flatMap((v) => [
      [`${v}_sessions`, a.byVia[v]?.sessions ?? 0],
      [`${v}_listeners`, a.byVia[v]?.listeners ?? 0],
      [`${v}_minutes`, Number((a.byVia[v]?.minutes ?? 0).toFixed(2))],
    ]),
    ['reactions', a.reactions],
    ['reminders_set', a.remindersSet],
    ['replay_plays', a.replay.plays],
    ['replay_average_completion', Number(a.replay.averageCompletion.toFixed(3))],
    ['replay_completed', a.replay.completed],
    [],
    ['minute', 'joins', 'leaves', 'listening'],
    ...a.curve.map((m) => [m.minute, m.joins, m.leaves, m.listening]),
    [],
    ['speaker', 'talk_seconds'],
    ...a.speakers.map((s) => [s.name, Math.round(s.talkMs / 1000)]),
  ];
  return rows.map((r) => r.map(q).join(',')).join('\r\n') + '\r\n';
}
