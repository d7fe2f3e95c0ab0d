import { createHash } from 'node:crypto';
import { AppError } from '../../shared/errors.js';
import type { PushPayload, PushSubscriptionJson, ReachPrefs } from '../../shared/reach.js';
import type { SpaceRow, SpaceStore } from '../spaces/store.js';
import { escapeHtml } from '../web.js';
import type { MailSender, Mail } from './mail.js';
import type { PushSender } from './push.js';
import { SendQueue, type QueueOptions, type SendOutcome } from './queue.js';
import type { NewMessage, OutboxRow, ReachStore } from './store.js';

export interface ReachOptions {
  /** "Starts soon" reminders go this long before a scheduled start. */
  leadMs: number;
  publicUrl: () => string;
  queue: QueueOptions;
  now?: () => number;
}

/** What a queued email row holds. */
interface MailJob {
  kind: 'verify' | PushPayload['kind'];
  spaceId?: string;
  startsAt?: number;
  mail: Mail;
}

/** Verification mails one account may cause per hour. */
const MAX_EMAIL_CHANGES_PER_HOUR = 5;
/** Browsers per account that receive pushes (the oldest subscription goes first). */
const MAX_PUSH_DEVICES = 20;
/** Finished outbox rows (sent, dropped, failed) are kept this long, then deleted; their marks too. */
const OUTBOX_KEEP_MS = 30 * 86_400_000;

/** How often a Space inside its "starts soon" window is looked at again for new reminder holders. */
const RESCAN_MS = 5000;

const hash = (s: string): string => createHash('sha256').update(s).digest('base64url').slice(0, 16);

/**
 * Reminders and go-live alerts that reach people with the page closed (issue 21). Events (a
 * Space going live, a scheduled start coming near) fan out into one queued message per person,
 * channel and device, in one transaction with a mark that it was done; the `SendQueue` delivers
 * them with retries that survive a restart.
 */
export class ReachService {
  readonly queue: SendQueue;
  private readonly now: () => number;
  private ticker: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: ReachStore,
    private readonly spaces: Pick<SpaceStore, 'get'>,
    private readonly push: PushSender,
    private readonly mail: MailSender | null,
    private readonly opts: ReachOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.queue = new SendQueue(store, (row) => this.deliver(row), { ...opts.queue, now: this.now });
  }

  start(): void {
    this.queue.start();
    this.ticker = setInterval(() => this.tick(), 1000);
    this.ticker.unref();
    this.tick();
  }

  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    await this.queue.stop();
    this.mail?.close();
  }

  // ---- a person's choices ----

  prefs(accountId: string): ReachPrefs {
    const p = this.store.prefs(accountId);
    return {
      liveAlerts: p.live_alerts === 1,
      pushDevices: this.store.pushTargets(accountId).length,
      email: p.email ? { address: p.email, verified: p.email_verified === 1, unsubscribed: p.email_unsubscribed === 1 } : null,
      emailAvailable: !!this.mail,
    };
  }

  subscribe(accountId: string, sub: PushSubscriptionJson): ReachPrefs {
    if (!this.push.acceptsEndpoint(sub.endpoint)) throw new AppError('bad_message', 'a push endpoint must be an https:// URL');
    this.store.savePush(accountId, sub, this.now());
    this.store.trimPush(accountId, MAX_PUSH_DEVICES);
    return this.prefs(accountId);
  }

  unsubscribe(accountId: string, endpoint: string): ReachPrefs {
    this.store.removePush(endpoint, accountId);
    return this.prefs(accountId);
  }

  setLiveAlerts(accountId: string, on: boolean): ReachPrefs {
    this.store.setLiveAlerts(accountId, on);
    return this.prefs(accountId);
  }

  setEmail(accountId: string, email: string | null): ReachPrefs {
    if (email && !this.mail) throw new AppError('invalid_state', 'this server does not send email (no SMTP relay is configured)');
    // Each change mails a verification link: a few per hour, so nobody can use us to flood an inbox.
    const now = this.now();
    const recent = (this.emailChanges.get(accountId) ?? []).filter((t) => now - t < 3600_000);
    if (email && recent.length >= MAX_EMAIL_CHANGES_PER_HOUR) throw new AppError('rate_limited', 'too many address changes: try again in an hour');
    if (email) this.emailChanges.set(accountId, [...recent, now]);
    const current = this.store.prefs(accountId);
    if (email === current.email && current.email_verified) return this.prefs(accountId);
    const p = this.store.setEmail(accountId, email);
    if (email && p.verify_token) {
      const link = `${this.opts.publicUrl()}/reach/verify/${p.verify_token}`;
      const job: MailJob = {
        kind: 'verify',
        mail: {
          to: email,
          key: `verify:${p.verify_token}`,
          subject: 'Confirm your address for Space reminders',
          text: `Open this link to get reminders for Spaces by email:\n\n${link}\n\nIf you did not ask for this, ignore this mail: nothing will be sent.`,
          html: `<p>Open this link to get reminders for Spaces by email:</p><p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p>If you did not ask for this, ignore this mail: nothing will be sent.</p>`,
        },
      };
      this.store.enqueue([{ key: job.mail.key, channel: 'email', target: email, accountId, payload: job, dueAt: this.now() }], this.now());
      this.queue.kick();
    }
    return this.prefs(accountId);
  }

  verifyEmail(token: string): boolean {
    return !!this.store.verifyEmail(token);
  }

  /** The address behind an unsubscribe link (for the confirmation page), or null. */
  unsubscribeTarget(token: string): string | null {
    return this.store.byUnsubscribeToken(token)?.email ?? null;
  }

  unsubscribeEmail(token: string): boolean {
    return !!this.store.unsubscribeEmail(token);
  }

  // ---- events ----

  /** A Space went live (or was found live again at start: the mark makes that a no-op). */
  spaceLive(spaceId: string): void {
    const row = this.spaces.get(spaceId);
    if (!row || row.state !== 'live') return;
    const n = this.store.once(`live:${spaceId}:${row.started_at ?? 0}`, this.now(), () => {
      const reminded = new Set(this.store.reminderHolders(spaceId));
      const followers = this.store.alertedFollowers(row.host_account_id).filter((a) => !reminded.has(a));
      return [
        ...[...reminded].flatMap((a) => this.messagesFor(a, row, 'live', `live:${spaceId}:${row.started_at}`)),
        ...followers.flatMap((a) => this.messagesFor(a, row, 'follow_live', `live:${spaceId}:${row.started_at}`)),
      ].filter((m) => m.accountId !== row.host_account_id);
    });
    if (n) this.queue.kick();
  }

  /**
   * Queues "starts soon" reminders for scheduled Spaces whose moment has come. Inside that window
   * each Space is looked at again every few seconds, so a reminder set (or an address confirmed)
   * late still gets its message; the per-person keys make every look after the first cheap.
   */
  tick(): void {
    let n = 0;
    const now = this.now();
    for (const s of this.store.startingSoon(now, this.opts.leadMs)) {
      const base = `soon:${s.space_id}:${s.starts_at}`;
      if (now - (this.scanned.get(base) ?? -Infinity) < RESCAN_MS) continue;
      this.scanned.set(base, now);
      const row = this.spaces.get(s.space_id);
      if (!row) continue;
      n += this.store.enqueue(this.store.reminderHolders(s.space_id).flatMap((a) => this.messagesFor(a, row, 'soon', base, s.starts_at)), now);
    }
    for (const [k, at] of this.scanned) if (now - at > this.opts.leadMs + 3600_000) this.scanned.delete(k);
    if (now - this.lastSweep > 3600_000) {
      this.lastSweep = now;
      this.store.sweep(now - OUTBOX_KEEP_MS);
    }
    if (n) this.queue.kick();
  }
  private readonly scanned = new Map<string, number>();
  private readonly emailChanges = new Map<string, number[]>();
  private lastSweep = 0;

  private messagesFor(accountId: string, space: SpaceRow, kind: PushPayload['kind'], base: string, startsAt?: number): NewMessage[] {
    const url = `${this.opts.publicUrl()}/s/${space.id}`;
    const minutes = startsAt ? Math.max(1, Math.round((startsAt - this.now()) / 60_000)) : 0;
    const text = {
      live: { title: `Live now: ${space.title}`, body: `@${space.host_handle} is live. Tap to listen.` },
      follow_live: { title: `@${space.host_handle} is live`, body: space.title },
      soon: { title: `Starting in ${minutes} min: ${space.title}`, body: `Hosted by @${space.host_handle}` },
    }[kind];
    const payload: PushPayload = { kind, ...text, url, spaceId: space.id, tag: `space-${space.id}` };
    const out: NewMessage[] = this.store.pushTargets(accountId).map((t) => ({
      key: `${base}:${accountId}:push:${hash(t.endpoint)}`,
      channel: 'push' as const,
      target: t.endpoint,
      accountId,
      payload,
      dueAt: this.now(),
    }));
    const email = this.store.mailableEmail(accountId);
    if (email?.email && this.mail) {
      const key = `${base}:${accountId}:email`;
      const unsubscribeUrl = `${this.opts.publicUrl()}/reach/unsubscribe/${email.unsubscribe_token}`;
      const job: MailJob = {
        kind,
        spaceId: space.id,
        ...(startsAt ? { startsAt } : {}),
        mail: {
          to: email.email,
          key,
          subject: text.title,
          unsubscribeUrl,
          text: `${text.title}\n${text.body}\n\nListen: ${url}\n\nNo more of these mails: ${unsubscribeUrl}`,
          html:
            `<h1 style="font-size:1.2em">${escapeHtml(text.title)}</h1><p>${escapeHtml(text.body)}</p>` +
            `<p><a href="${escapeHtml(url)}">Open the Space</a></p>` +
            `<p style="color:#666;font-size:0.9em"><a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a> from these mails.</p>`,
        },
      };
      out.push({ key, channel: 'email', target: email.email, accountId, payload: job, dueAt: this.now() });
    }
    return out;
  }

  // ---- delivery ----

  /** Still worth sending? A Space that ended, was cancelled or moved makes its reminders moot. */
  private stale(kind: string, spaceId: string | undefined, startsAt: number | undefined): string | null {
    if (!spaceId) return null;
    const row = this.spaces.get(spaceId);
    if (!row) return 'the Space is gone';
    if ((kind === 'live' || kind === 'follow_live') && row.state !== 'live') return 'the Space is no longer live';
    if (kind === 'soon') {
      const s = this.store.scheduleStart(spaceId);
      if (!s || s.status !== 'scheduled' || s.state !== 'scheduled') return 'the Space started or was cancelled';
      if (s.starts_at !== startsAt) return 'the Space was moved';
    }
    return null;
  }

  private async deliver(row: OutboxRow): Promise<SendOutcome> {
    if (row.channel === 'push') {
      const payload = JSON.parse(row.payload) as PushPayload;
      const startsAt = payload.kind === 'soon' ? Number(row.dedupe_key.split(':')[2]) : undefined;
      const why = this.stale(payload.kind, payload.spaceId, startsAt);
      if (why) return { ok: false, permanent: true, gone: true, error: why };
      const target = this.store.pushTarget(row.target);
      if (!target) return { ok: false, permanent: true, gone: true, error: 'the subscription was removed' };
      const ttl = payload.kind === 'soon' && startsAt ? Math.max(60, Math.round((startsAt - this.now()) / 1000)) : 3600;
      const r = await this.push.send(target, JSON.stringify(payload), row.dedupe_key, ttl);
      if (!r.ok && r.gone) this.store.removePush(row.target);
      return r;
    }
    const job = JSON.parse(row.payload) as MailJob;
    if (!this.mail) return { ok: false, permanent: true, error: 'no SMTP relay configured' };
    if (job.kind !== 'verify') {
      const why = this.stale(job.kind, job.spaceId, job.startsAt);
      if (why) return { ok: false, permanent: true, gone: true, error: why };
      const email = row.account_id ? this.store.mailableEmail(row.account_id) : null;
      if (!email || email.email !== row.target) return { ok: false, permanent: true, gone: true, error: 'the address was changed or unsubscribed' };
    }
    return this.mail.send(job.mail);
  }
}
