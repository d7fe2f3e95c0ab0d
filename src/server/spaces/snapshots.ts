import type { Notifier, SpaceSnapshot } from './notifier.js';

/** What changed in a Space since its last snapshot. */
export type ChangeKind =
  /** The stage, producers or the queue: everyone's roster changes; sent at the next tick. */
  | 'roster'
  /** Only the audience (listeners came or went): counts and the moderators' audience list. */
  | 'audience';

/**
 * Coalesces a Space's changes into snapshots (issue 11). Roster changes go out at the next tick
 * (50 ms). Audience-only changes are paced by audience size, so that a Space sends about
 * `snapshotsPerSecondBudget` snapshot deliveries a second however many people follow it: a
 * room of 250 sees its count every 50 ms, a room of 10,000 once a second.
 */
export class SnapshotScheduler {
  private readonly dirty = new Map<string, ChangeKind>();
  private readonly lastSent = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  /** After stop (server shutdown) nothing is scheduled again: connections closing late mark changes after the store is gone. */
  private stopped = false;

  constructor(
    private readonly notifier: Notifier,
    private readonly build: (spaceId: string, rosterChanged: boolean) => SpaceSnapshot | null,
    private readonly now: () => number,
    private readonly options = { tickMs: 50, snapshotsPerSecondBudget: 10_000, maxPaceMs: 1000 },
  ) {}

  mark(spaceId: string, kind: ChangeKind): void {
    if (this.dirty.get(spaceId) !== 'roster') this.dirty.set(spaceId, kind);
    this.arm();
  }

  forget(spaceId: string): void {
    this.dirty.delete(spaceId);
    this.lastSent.delete(spaceId);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sends what is due now (exposed for tests). */
  flush(): void {
    this.timer = undefined;
    const now = this.now();
    for (const [spaceId, kind] of [...this.dirty]) {
      if (kind === 'audience' && now - (this.lastSent.get(spaceId) ?? 0) < this.paceMs(spaceId)) continue;
      this.dirty.delete(spaceId);
      this.lastSent.set(spaceId, now);
      const snapshot = this.build(spaceId, kind === 'roster');
      if (snapshot) this.notifier.snapshot(snapshot);
    }
    if (this.dirty.size) this.arm();
  }

  paceMs(spaceId: string): number {
    const n = this.notifier.subscribers(spaceId);
    const { tickMs, snapshotsPerSecondBudget, maxPaceMs } = this.options;
    return Math.min(maxPaceMs, Math.max(tickMs, (n * 1000) / snapshotsPerSecondBudget));
  }

  private arm(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => this.flush(), this.options.tickMs);
    this.timer.unref();
  }
}
