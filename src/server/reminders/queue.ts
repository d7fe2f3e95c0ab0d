import type { OutboxRow, ReachStore } from './store.js';

/** How a send ended: delivered; never again (the address is gone or the message is refused); or try later. */
export type SendOutcome = { ok: true } | { ok: false; permanent: boolean; gone?: boolean; error: string };

export interface QueueOptions {
  /** First retry after this long; doubled each attempt (with up to 20% jitter), capped at `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** After this many attempts a message is marked failed. */
  maxAttempts: number;
  /** How often the queue looks for due messages when nothing woke it. */
  pollMs: number;
  now?: () => number;
}

export const DEFAULT_QUEUE: QueueOptions = { backoffMs: 2000, maxBackoffMs: 15 * 60_000, maxAttempts: 10, pollMs: 1000 };

/**
 * The sending queue (the `outbox` table). Every message is a row, unique by what it is (the
 * dedupe key), so queuing it twice (an event seen again after a restart) changes nothing. A
 * message is claimed (`sending`) in a transaction, sent, then marked `sent`; a failure that may
 * pass goes back to `pending` with exponential backoff; one that will not (a push subscription
 * the push service says is gone, a mail the relay refuses for good) is `dropped`/`failed`.
 *
 * Delivery is once in every case but one: if the process dies during the send itself (after the
 * claim, before the mark), the row is `sending` at the next start and is sent again. For push the
 * message carries a Topic (RFC 8030 §5.4) derived from its key, so the push service replaces an
 * undelivered copy instead of showing two; for mail the Message-ID is derived from the key.
 */
export class SendQueue {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private stopped = false;
  private readonly now: () => number;

  constructor(
    private readonly store: ReachStore,
    private readonly send: (row: OutboxRow) => Promise<SendOutcome>,
    private readonly opts: QueueOptions = DEFAULT_QUEUE,
  ) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    const n = this.store.requeueInterrupted(this.now());
    if (n) console.error(`[reminders] ${n} message(s) were being sent when the server stopped; sending them again`);
    this.stopped = false;
    this.kick();
  }

  /** Stops taking new work; resolves when the send in progress (if any) is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.running) await new Promise((r) => setTimeout(r, 20));
  }

  /** Look for due messages now (after queuing some). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      do {
        this.again = false;
        for (;;) {
          if (this.stopped) return;
          const rows = this.store.claimDue(this.now(), 16);
          if (rows.length === 0) break;
          await Promise.all(rows.map((r) => this.deliver(r)));
        }
      } while (this.again);
    } catch (err) {
      console.error(`[reminders] queue: ${(err as Error).message}`);
    } finally {
      this.running = false;
      if (!this.stopped) this.schedule();
    }
  }

  private schedule(): void {
    const next = this.store.nextDue();
    const wait = next === null ? this.opts.pollMs : Math.max(0, Math.min(this.opts.pollMs, next - this.now()));
    this.timer = setTimeout(() => this.kick(), wait);
    this.timer.unref();
  }

  private async deliver(row: OutboxRow): Promise<void> {
    let outcome: SendOutcome;
    try {
      outcome = await this.send(row);
    } catch (err) {
      outcome = { ok: false, permanent: false, error: (err as Error).message };
    }
    const now = this.now();
    if (outcome.ok) return this.store.finish(row.id, 'sent', now);
    if (outcome.permanent) return this.store.finish(row.id, outcome.gone ? 'dropped' : 'failed', now, outcome.error);
    if (row.attempts >= this.opts.maxAttempts) return this.store.finish(row.id, 'failed', now, `gave up after ${row.attempts} attempts: ${outcome.error}`);
    this.store.retryLater(row.id, now + backoff(row.attempts, this.opts), now, outcome.error);
  }
}

/** Delay before attempt `attempts + 1`: base * 2^(attempts-1), plus up to 20% jitter, capped. */
export function backoff(attempts: number, o: Pick<QueueOptions, 'backoffMs' | 'maxBackoffMs'>): number {
  const base = Math.min(o.maxBackoffMs, o.backoffMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(Math.min(o.maxBackoffMs, base * (1 + Math.random() * 0.2)));
}
