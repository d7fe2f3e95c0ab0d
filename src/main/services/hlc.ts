/**
 * Hybrid logical clock (Kulkarni et al.): physical time in ms plus a counter, so stamps follow
 * real time where clocks agree and still order causally when they do not. A stamp is
 * `<wall ms, 15 digits>.<counter, 6 digits>.<node id>`: comparing stamps as strings compares
 * (wall, counter, node), and the node id breaks ties, so every replica orders writes the same way.
 */
export class HybridClock {
  private wall = 0;
  private counter = 0;

  constructor(
    readonly node: string,
    last: string | null = null,
    private readonly clock: () => number = Date.now,
  ) {
    if (last) this.observe(last);
  }

  /** A new stamp for a local event, greater than every stamp seen so far. */
  tick(): string {
    const now = this.clock();
    if (now > this.wall) {
      this.wall = now;
      this.counter = 0;
    } else this.counter++;
    return format(this.wall, this.counter, this.node);
  }

  /** Takes a remote stamp into account so later local stamps order after it. */
  observe(stamp: string): void {
    const p = parseHlc(stamp);
    if (!p) return;
    if (p.wall > this.wall || (p.wall === this.wall && p.counter > this.counter)) {
      this.wall = p.wall;
      this.counter = p.counter;
    }
  }
}

export function format(wall: number, counter: number, node: string): string {
  return `${String(wall).padStart(15, '0')}.${String(counter).padStart(6, '0')}.${node}`;
}

export function parseHlc(stamp: string): { wall: number; counter: number; node: string } | null {
  const m = /^(\d{15})\.(\d{6})\.([A-Za-z0-9_-]{1,32})$/.exec(stamp);
  return m ? { wall: Number(m[1]), counter: Number(m[2]), node: m[3]! } : null;
}

export const nodeOf = (stamp: string | undefined): string | null => (stamp ? (parseHlc(stamp)?.node ?? null) : null);
