import type { RecordingStore, Tombstone } from './store.js';

/**
 * The retention sweep: recordings closed longer than `retentionMs` ago are removed (by `remove`:
 * files, segments, clips and the row; a tombstone says why).
 */
export class Retention {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: RecordingStore,
    private readonly retentionMs: number,
    private readonly remove: (spaceId: string, reason: Tombstone) => void,
    private readonly now: () => number,
  ) {}

  /** When a recording closed at `endedAt` expires. */
  expiresAt(endedAt: number): number {
    return endedAt + this.retentionMs;
  }

  /** Removes the recordings past retention at `at`; how many. */
  sweep(at = this.now()): number {
    const old = this.store.endedBefore(at - this.retentionMs);
    for (const spaceId of old) this.remove(spaceId, 'expired');
    return old.length;
  }

  /** Sweeps now and every `everyMs`. */
  start(everyMs: number): void {
    this.sweep();
    this.timer = setInterval(() => this.sweep(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
