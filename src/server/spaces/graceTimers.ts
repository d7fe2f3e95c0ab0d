/**
 * Timers for members who lost their last connection: they keep their seat for a grace period
 * (issue 8). Keyed by Space and member so a return cancels exactly that member's timer.
 */
export class GraceTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  start(spaceId: string, memberId: string, ms: number, expire: () => void): void {
    const key = `${spaceId}/${memberId}`;
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(() => {
      this.timers.delete(key);
      expire();
    }, ms);
    timer.unref();
    this.timers.set(key, timer);
  }

  cancel(spaceId: string, memberId: string): void {
    const key = `${spaceId}/${memberId}`;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  clearSpace(spaceId: string): void {
    for (const [key, timer] of this.timers) {
      if (!key.startsWith(`${spaceId}/`)) continue;
      clearTimeout(timer);
      this.timers.delete(key);
    }
  }
}
