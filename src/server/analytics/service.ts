import { createHmac, randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors.js';
import { LISTEN_HEARTBEAT_MS, LISTEN_VIA, type ListenReport, type ListenVia, type MinuteBucket, type SpaceAnalytics } from '../../shared/analytics.js';
import type { SpacePublic } from '../../shared/space.js';
import type { Participant } from '../spaces/participant.js';
import type { AnalyticsStore, SessionRow, TalkRow } from './store.js';

/** What analytics needs of the Space service. */
export interface AnalyticsSpaces {
  get(spaceId: string): SpacePublic;
  mediaKeyOf(spaceId: string): { hostAccountId: string };
  roleIn(p: Participant, spaceId: string): string | null;
}

export interface AnalyticsOptions {
  /** The recording's length (replay completion). */
  recordingMs: (spaceId: string) => number;
  /** How often finished sessions are written (one transaction each time). */
  flushMs?: number;
  now?: () => number;
}

interface OpenSession {
  key: string;
  id: string;
  spaceId: string;
  listener: string;
  via: ListenVia;
  startedAt: number;
  lastSeen: number;
  maxPositionMs: number | null;
}

const newId = (): string => randomBytes(9).toString('base64url');

/**
 * Counts what the server already sees (issue 22): WebRTC listens from the Space service's
 * `listening` events, HLS / replay / clip plays from the pages' reports, talk spans, reactions.
 * Open sessions live in memory; finished ones are written in batches (a join writes nothing).
 * A listener is an HMAC of their account id or guest key (or of the page's random play id) with
 * a per-Space salt: counted as the same person within a Space, never identifiable.
 */
export class AnalyticsService {
  private readonly open = new Map<string, OpenSession>();
  private readonly talking = new Map<string, { spaceId: string; name: string; startedAt: number }>();
  private pending: { sessions: SessionRow[]; talk: TalkRow[]; reactions: Map<string, number> } = { sessions: [], talk: [], reactions: new Map() };
  private readonly salts = new Map<string, string>();
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: AnalyticsStore,
    private readonly spaces: AnalyticsSpaces,
    private readonly options: AnalyticsOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => {
      this.expire();
      this.flush();
    }, options.flushMs ?? 2000);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    for (const s of [...this.open.values()]) this.finish(s, this.now());
    this.flush();
  }

  // ---- what the server sees ----

  /** A WebRTC listen was answered (on) or dropped (off). */
  listening(spaceId: string, connection: string, listener: string, on: boolean): void {
    const key = `${spaceId}|webrtc|${connection}`;
    const now = this.now();
    const s = this.open.get(key);
    if (s) this.finish(s, now);
    if (on) this.open.set(key, { key, id: newId(), spaceId, listener: this.keyOf(spaceId, listener), via: 'webrtc', startedAt: now, lastSeen: now, maxPositionMs: null });
  }

  /** A page's report of an HLS, replay or clip play. Unknown Spaces are refused; nothing else is checked (anonymous). */
  report(r: ListenReport): void {
    const space = this.spaces.get(r.spaceId); // throws not_found
    if (r.via === 'hls' && space.state !== 'live' && r.event === 'start') throw new AppError('invalid_state', 'this Space is not live');
    const key = `${r.spaceId}|${r.via}|${r.session}`;
    const now = this.now();
    let s = this.open.get(key);
    if (!s && r.event !== 'stop') {
      s = { key, id: newId(), spaceId: r.spaceId, listener: this.keyOf(r.spaceId, `play:${r.session}`), via: r.via, startedAt: now, lastSeen: now, maxPositionMs: null };
      this.open.set(key, s);
    }
    if (!s) return;
    s.lastSeen = now;
    if (r.positionMs !== undefined) s.maxPositionMs = Math.max(s.maxPositionMs ?? 0, r.positionMs);
    if (r.event === 'stop') this.finish(s, now);
  }

  speaking(spaceId: string, name: string, speaking: boolean): void {
    const key = `${spaceId}|${name}`;
    const t = this.talking.get(key);
    if (speaking && !t) this.talking.set(key, { spaceId, name, startedAt: this.now() });
    if (!speaking && t) {
      this.talking.delete(key);
      this.pending.talk.push({ space_id: spaceId, name, started_at: t.startedAt, ended_at: this.now() });
    }
  }

  reaction(spaceId: string): void {
    this.pending.reactions.set(spaceId, (this.pending.reactions.get(spaceId) ?? 0) + 1);
  }

  /** The Space ended: its live sessions and talk spans end now (replays go on afterwards). */
  ending(spaceId: string): void {
    this.expire();
    const now = this.now();
    for (const s of [...this.open.values()]) if (s.spaceId === spaceId && (s.via === 'webrtc' || s.via === 'hls')) this.finish(s, now);
    for (const [key, t] of [...this.talking]) {
      if (t.spaceId !== spaceId) continue;
      this.talking.delete(key);
      this.pending.talk.push({ space_id: spaceId, name: t.name, started_at: t.startedAt, ended_at: now });
    }
    this.flush();
  }

  /** Talk spans (closed and open) of a Space: the podcast's speaker-change chapters use them. */
  talkSpans(spaceId: string): TalkRow[] {
    this.flush();
    const now = this.now();
    const open = [...this.talking.values()].filter((t) => t.spaceId === spaceId).map((t) => ({ space_id: spaceId, name: t.name, started_at: t.startedAt, ended_at: now }));
    return [...this.store.talk(spaceId), ...open].sort((a, b) => a.started_at - b.started_at);
  }

  // ---- what the host asks ----

  /** The owner (or a co-host while live) asks; anyone else is refused. */
  authorize(p: Participant, spaceId: string): void {
    const owner = this.spaces.mediaKeyOf(spaceId).hostAccountId;
    if (p.identity.accountId && p.identity.accountId === owner) return;
    if (this.spaces.roleIn(p, spaceId) === 'cohost' || this.spaces.roleIn(p, spaceId) === 'host') return;
    throw new AppError(p.identity.accountId ? 'forbidden' : 'unauthenticated', 'only the host and co-hosts see the Space\u2019s figures');
  }

  get(spaceId: string): SpaceAnalytics {
    const space = this.spaces.get(spaceId);
    this.expire();
    this.flush();
    const now = this.now();
    const sessions: SessionRow[] = [
      ...this.store.sessions(spaceId),
      ...[...this.open.values()]
        .filter((s) => s.spaceId === spaceId)
        .map((s) => ({ id: s.id, space_id: spaceId, listener: s.listener, via: s.via, started_at: s.startedAt, ended_at: now, max_position_ms: s.maxPositionMs })),
    ];
    const minutes = (ms: number): number => ms / 60_000;
    const len = (s: SessionRow): number => Math.max(0, s.ended_at - s.started_at);
    const byVia = Object.fromEntries(
      LISTEN_VIA.map((v) => {
        const of = sessions.filter((s) => s.via === v);
        return [v, { sessions: of.length, listeners: new Set(of.map((s) => s.listener)).size, minutes: minutes(of.reduce((n, s) => n + len(s), 0)) }];
      }),
    ) as SpaceAnalytics['byVia'];

    const live = sessions.filter((s) => s.via === 'webrtc' || s.via === 'hls');
    const start = space.startedAt;
    const end = space.endedAt ?? (space.state === 'live' ? now : start);
    const liveMs = start !== null && end !== null ? Math.max(0, end - start) : 0;
    const events = live.flatMap((s) => [
      { at: s.started_at, d: 1 },
      { at: s.ended_at, d: -1 },
    ]);
    events.sort((a, b) => a.at - b.at || a.d - b.d); // a leave before a join at the same instant
    let n = 0;
    let peak = 0;
    for (const e of events) peak = Math.max(peak, (n += e.d));

    const curve: MinuteBucket[] = [];
    if (start !== null && liveMs > 0) {
      const count = Math.ceil(liveMs / 60_000);
      for (let m = 0; m < count; m++) {
        const from = start + m * 60_000;
        const to = Math.min(end!, from + 60_000);
        const last = m === count - 1;
        curve.push({
          minute: m,
          joins: live.filter((s) => s.started_at >= from && (s.started_at < to || (last && s.started_at <= to))).length,
          leaves: live.filter((s) => s.ended_at >= from && (s.ended_at < to || (last && s.ended_at <= to))).length,
          listening: live.filter((s) => s.started_at <= to && s.ended_at > to).length + (last ? live.filter((s) => s.ended_at === to && space.state === 'live').length : 0),
        });
      }
    }

    const talk = new Map<string, number>();
    for (const t of this.talkSpans(spaceId)) talk.set(t.name, (talk.get(t.name) ?? 0) + Math.max(0, t.ended_at - t.started_at));
    const replays = sessions.filter((s) => s.via === 'replay');
    const total = this.options.recordingMs(spaceId);
    const completion = replays.map((s) => (total > 0 ? Math.min(1, (s.max_position_ms ?? 0) / total) : 0));
    return {
      spaceId,
      title: space.title,
      startedAt: space.startedAt,
      endedAt: space.endedAt,
      peakListeners: peak,
      averageListeners: liveMs > 0 ? live.reduce((x, s) => x + len(s), 0) / liveMs : 0,
      uniqueListeners: new Set(sessions.map((s) => s.listener)).size,
      minutesListened: minutes(sessions.reduce((x, s) => x + len(s), 0)),
      byVia,
      curve,
      reactions: this.store.reactions(spaceId),
      speakers: [...talk].map(([name, talkMs]) => ({ name, talkMs: Math.round(talkMs) })).sort((a, b) => b.talkMs - a.talkMs),
      remindersSet: this.store.remindersSet(spaceId),
      replay: {
        plays: replays.length,
        averageCompletion: completion.length ? completion.reduce((a, b) => a + b, 0) / completion.length : 0,
        completed: completion.filter((c) => c >= 0.9).length,
      },
    };
  }

  // ---- internals ----

  private keyOf(spaceId: string, who: string): string {
    let salt = this.salts.get(spaceId);
    if (!salt) this.salts.set(spaceId, (salt = this.store.salt(spaceId)));
    return createHmac('sha256', salt).update(who).digest('base64url').slice(0, 22);
  }

  /** Page-reported plays with no report for three heartbeats ended at their last report. */
  private expire(): void {
    const cutoff = this.now() - 3 * LISTEN_HEARTBEAT_MS;
    for (const s of [...this.open.values()]) if (s.via !== 'webrtc' && s.lastSeen < cutoff) this.finish(s, s.lastSeen);
  }

  private finish(s: OpenSession, at: number): void {
    if (this.open.get(s.key) !== s) return;
    this.open.delete(s.key);
    this.pending.sessions.push({ id: s.id, space_id: s.spaceId, listener: s.listener, via: s.via, started_at: s.startedAt, ended_at: Math.max(at, s.startedAt), max_position_ms: s.maxPositionMs });
  }

  private flush(): void {
    const batch = this.pending;
    if (!batch.sessions.length && !batch.talk.length && !batch.reactions.size) return;
    this.pending = { sessions: [], talk: [], reactions: new Map() };
    this.store.write(batch);
  }
}
