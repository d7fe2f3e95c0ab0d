import { AppError } from '../../shared/errors.js';
import type { MemberId, Reaction } from '../../shared/space.js';
import type { Notifier } from './notifier.js';

export interface ReactionOptions {
  /** Per member: at most `count` reactions in any `windowMs`. */
  limit: { count: number; windowMs: number };
  /**
   * Individual reactions a Space may cost per second, counted in deliveries (reactions x
   * subscribers). Beyond it, reactions are summed per window and sent as one `space.reactions`.
   * So a room of 10 sees every reaction by name, a room of 10,000 sees about one a second plus counts.
   */
  deliveriesPerSecond: number;
  aggregateWindowMs: number;
}

interface Window {
  start: number;
  individual: number;
  counts: Map<Reaction, number>;
  timer?: NodeJS.Timeout;
}

/** Reactions: rate-limited per member, fanned out individually while cheap, aggregated above that (issue 11). */
export class ReactionFanout {
  private readonly recent = new Map<string, number[]>();
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly notifier: Notifier,
    private readonly options: ReactionOptions,
    private readonly now: () => number,
  ) {}

  react(spaceId: string, member: { id: MemberId; displayName: string }, reaction: Reaction): void {
    const { count, windowMs } = this.options.limit;
    const key = `${spaceId}/${member.id}`;
    const now = this.now();
    const recent = (this.recent.get(key) ?? []).filter((t) => now - t < windowMs);
    if (recent.length >= count) throw new AppError('rate_limited', `at most ${count} reactions every ${windowMs / 1000} s`);
    recent.push(now);
    this.recent.set(key, recent);

    let w = this.windows.get(spaceId);
    if (!w || now - w.start >= this.options.aggregateWindowMs) {
      if (w) this.flush(spaceId, w);
      w = { start: now, individual: 0, counts: new Map() };
      this.windows.set(spaceId, w);
    }
    const perWindow = (this.options.deliveriesPerSecond * this.options.aggregateWindowMs) / 1000;
    const budget = Math.max(1, Math.floor(perWindow / Math.max(1, this.notifier.subscribers(spaceId))));
    if (w.individual < budget) {
      w.individual++;
      this.notifier.toSpace(spaceId, { type: 'space.reaction', spaceId, memberId: member.id, displayName: member.displayName, reaction }, { droppable: true });
      return;
    }
    w.counts.set(reaction, (w.counts.get(reaction) ?? 0) + 1);
    if (!w.timer) {
      const window = w;
      w.timer = setTimeout(() => this.flush(spaceId, window), Math.max(0, w.start + this.options.aggregateWindowMs - now));
      w.timer.unref();
    }
  }

  forget(spaceId: string): void {
    const w = this.windows.get(spaceId);
    clearTimeout(w?.timer);
    this.windows.delete(spaceId);
    for (const key of this.recent.keys()) if (key.startsWith(`${spaceId}/`)) this.recent.delete(key);
  }

  private flush(spaceId: string, w: Window): void {
    clearTimeout(w.timer);
    w.timer = undefined;
    if (w.counts.size === 0) return;
    const counts = [...w.counts].map(([reaction, count]) => ({ reaction, count }));
    w.counts = new Map();
    this.notifier.toSpace(spaceId, { type: 'space.reactions', spaceId, counts, windowMs: this.options.aggregateWindowMs }, { droppable: true });
  }
}
