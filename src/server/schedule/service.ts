import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors.js';
import {
  SCHEDULE_FIELDS,
  ScheduleFields,
  type FieldClocks,
  type HostScheduleItem,
  type PublicScheduleItem,
  type Rejection,
  type ScheduleField,
  type ScheduleStatus,
  type scheduleRequests,
} from '../../shared/schedule.js';
import type { SpacePublic } from '../../shared/space.js';
import type { AccountService } from '../accounts/service.js';
import { SpaceStore } from '../spaces/store.js';
import type { Participant, SpaceService } from '../spaces/service.js';
import { ScheduleStore, type ScheduleRow } from './store.js';
import type { TicketGate } from './ticketGate.js';
import { CodeProvider, TicketSigner, type PaymentProvider } from './tickets.js';

export interface ScheduleServiceOptions {
  /** How far ahead a Space may be scheduled. */
  maxDaysAhead: number;
  /** Where the ticket signing secret lives (created on first start). */
  dataDir: string;
  /** Shared with the Space service, which asks it at every join. */
  tickets: TicketGate;
  now?: () => number;
  provider?: PaymentProvider;
}

const DAY = 24 * 3600 * 1000;
/** A start time this far in the past is still accepted (clocks differ; a show may start late). */
const PAST_SLACK_MS = 3600 * 1000;

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Scheduled Spaces on the server: rows in `spaces` (state 'scheduled') plus a `schedules` row
 * with the fields, their clocks and a change version. Writes are idempotent by key (the reply
 * to a key is stored and replayed), fields merge by last writer (HLC) wins, and the server
 * refuses what it owns (the start time once tickets are sold, anything once started).
 * Also reminders and tickets.
 */
export class ScheduleService {
  private readonly now: () => number;
  private readonly spaceStore: SpaceStore;
  private readonly store: ScheduleStore;
  readonly codes: CodeProvider;
  private readonly provider: PaymentProvider;
  private readonly signer: TicketSigner;
  private readonly tickets: TicketGate;

  constructor(
    db: Database.Database,
    private readonly spaces: Pick<SpaceService, 'get' | 'touch' | 'publish'>,
    private readonly accounts: AccountService,
    private readonly options: ScheduleServiceOptions,
  ) {
    this.tickets = options.tickets;
    this.now = options.now ?? Date.now;
    this.spaceStore = new SpaceStore(db);
    this.store = new ScheduleStore(db);
    this.codes = new CodeProvider(db);
    this.provider = options.provider ?? this.codes;
    this.signer = new TicketSigner(join(options.dataDir, 'ticket-secret'));
  }

  // ---- host writes ----

  create(accountId: string, key: string, spaceId: string, fields: ScheduleFields, hlc: string): { item: HostScheduleItem; rejected: Rejection[] } {
    return this.once(accountId, key, () => {
      const existing = this.row(spaceId);
      if (existing) {
        if (existing.host_account_id !== accountId) throw new AppError('conflict', 'this Space id is taken; the Studio will pick another');
        // The same Space again (e.g. sent from a second Studio): merge like an update.
        const changes = Object.fromEntries(SCHEDULE_FIELDS.map((f) => [f, { value: fields[f], hlc }]));
        return this.applyChanges(existing, changes);
      }
      const account = this.accounts.byId(accountId);
      if (!account) throw new AppError('unauthenticated', 'sign in to schedule a Space');
      const host = this.accounts.toPublic(account);
      this.accounts.assertMayHost(host);
      const refusal = this.startRefusal(fields.startsAt);
      if (refusal) throw new AppError('invalid_state', refusal);
      this.spaceStore.insert({ id: spaceId, title: fields.title, hostName: host.displayName, hostAccountId: host.id, hostHandle: host.handle, now: this.now() });
      const clocks = Object.fromEntries(SCHEDULE_FIELDS.map((f) => [f, hlc]));
      this.store.insert(spaceId, accountId, JSON.stringify(fields), JSON.stringify(clocks), fields.startsAt, this.store.nextVersion());
      return { item: this.hostItem(this.row(spaceId)!), rejected: [] };
    });
  }

  update(accountId: string, key: string, spaceId: string, changes: Record<string, { value?: unknown; hlc: string }>): { item: HostScheduleItem; rejected: Rejection[] } {
    return this.once(accountId, key, () => this.applyChanges(this.ownRow(accountId, spaceId), changes));
  }

  cancel(accountId: string, key: string, spaceId: string): { item: HostScheduleItem; rejected: Rejection[] } {
    return this.once(accountId, key, () => {
      const row = this.ownRow(accountId, spaceId);
      const status = this.statusOf(row);
      if (status === 'cancelled') return { item: this.hostItem(row), rejected: [] };
      if (status !== 'scheduled') return { item: this.hostItem(row), rejected: [{ field: '*', reason: 'this Space has already started; it cannot be cancelled' }] };
      this.store.setStatus(spaceId, 'cancelled', this.store.nextVersion());
      this.spaceStore.setState(spaceId, 'ended', this.now());
      this.spaces.touch(spaceId);
      return { item: this.hostItem(this.row(spaceId)!), rejected: [] };
    });
  }

  start(accountId: string, spaceId: string): { item: HostScheduleItem; space: SpacePublic } {
    const row = this.ownRow(accountId, spaceId);
    const status = this.statusOf(row);
    if (status === 'cancelled') throw new AppError('invalid_state', 'this Space was cancelled');
    if (status === 'ended') throw new AppError('invalid_state', 'this Space has ended');
    if (status === 'scheduled') {
      this.store.setStatus(spaceId, 'started', this.store.nextVersion());
      const fields = JSON.parse(row.fields) as ScheduleFields;
      this.spaces.publish(spaceId, { type: 'schedule.started', spaceId, title: fields.title });
      this.spaces.touch(spaceId);
    }
    return { item: this.hostItem(this.row(spaceId)!), space: this.spaces.get(spaceId) };
  }

  pull(accountId: string, since: number, limit: number): { items: HostScheduleItem[]; cursor: number; more: boolean } {
    const rows = this.store.changedSince(accountId, since, limit + 1);
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map((r) => this.hostItem(r));
    return { items, cursor: items.length ? items[items.length - 1]!.version : since, more };
  }

  // ---- public ----

  publicItem(spaceId: string): PublicScheduleItem {
    const row = this.row(spaceId);
    if (!row) throw new AppError('not_found', 'no scheduled Space with this id');
    return this.toPublic(row);
  }

  get(accountId: string | null, spaceId: string, p?: Participant): { item: PublicScheduleItem; reminded: boolean; hasTicket: boolean } {
    const item = this.publicItem(spaceId);
    const reminded = !!accountId && this.store.hasReminder(spaceId, accountId);
    const hasTicket = !!p && this.tickets.has(p, spaceId);
    return { item, reminded, hasTicket };
  }

  upcoming(handle: string): PublicScheduleItem[] {
    const rows = this.store.upcoming(handle.toLowerCase());
    return rows.map((r) => this.toPublic(r));
  }

  setReminder(accountId: string, spaceId: string, on: boolean): { reminded: boolean } {
    const row = this.row(spaceId);
    if (!row) throw new AppError('not_found', 'no scheduled Space with this id');
    if (on && this.statusOf(row) !== 'scheduled') throw new AppError('invalid_state', 'reminders are for Spaces that have not started yet');
    const changed = on
      ? this.store.addReminder(spaceId, accountId, this.now())
      : this.store.removeReminder(spaceId, accountId);
    if (changed) this.bump(spaceId);
    return { reminded: on };
  }

  // ---- tickets ----

  issueCodes(accountId: string, spaceId: string, kind: 'complimentary' | 'door', count: number): string[] {
    const row = this.ownRow(accountId, spaceId);
    if (!JSON.parse(row.fields).ticketing) throw new AppError('invalid_state', 'this Space is not ticketed');
    return this.codes.generate(spaceId, kind, count, this.now());
  }

  claimTicket(accountId: string, spaceId: string, code: string): string {
    return this.store.transaction(() => {
      const row = this.row(spaceId);
      if (!row) throw new AppError('not_found', 'no scheduled Space with this id');
      const ticketing = (JSON.parse(row.fields) as ScheduleFields).ticketing;
      if (!ticketing) throw new AppError('invalid_state', 'this Space is not ticketed: no ticket is needed');
      const mine = this.store.ticketOf(spaceId, accountId);
      if (mine) return this.signer.sign({ ticketId: mine, spaceId, accountId });
      if (this.ticketsIssued(spaceId) >= ticketing.count) throw new AppError('invalid_state', `sold out: all ${ticketing.count} tickets are taken`);
      const paid = this.provider.redeem(spaceId, code, accountId, ticketing.priceCents);
      const id = randomBytes(9).toString('base64url');
      this.store.addTicket(id, spaceId, accountId, paid.method, paid.amountCents, this.now());
      this.bump(spaceId);
      return this.signer.sign({ ticketId: id, spaceId, accountId });
    });
  }

  presentTicket(p: Participant, spaceId: string, token: string): void {
    const claims = this.signer.verify(token);
    if (claims.spaceId !== spaceId) throw new AppError('forbidden', 'this ticket is for another Space');
    if (!p.identity.accountId) throw new AppError('unauthenticated', 'sign in with the account the ticket was issued to');
    const holder = this.store.ticketHolder(claims.ticketId, spaceId);
    if (!holder) throw new AppError('forbidden', 'this ticket is not valid: it was not issued by this server');
    if (holder !== p.identity.accountId || claims.accountId !== p.identity.accountId) {
      throw new AppError('forbidden', 'this ticket was issued to another account');
    }
    this.tickets.present(p, spaceId, claims.ticketId);
  }

  // ---- internals ----

  private row(spaceId: string): ScheduleRow | undefined {
    return this.store.row(spaceId);
  }

  private ownRow(accountId: string, spaceId: string): ScheduleRow {
    const row = this.row(spaceId);
    if (!row) throw new AppError('not_found', 'no scheduled Space with this id');
    if (row.host_account_id !== accountId) throw new AppError('forbidden', 'only the host may change this scheduled Space');
    return row;
  }

  /** Runs a keyed write once: the reply is stored with the key and replayed for a duplicate. */
  private once<R>(accountId: string, key: string, fn: () => R): R {
    return this.store.transaction(() => {
      const done = this.store.opResult(accountId, key);
      if (done !== undefined) return JSON.parse(done) as R;
      const result = fn();
      this.store.saveOp(accountId, key, JSON.stringify(result), this.now());
      return result;
    });
  }

  private applyChanges(row: ScheduleRow, changes: Record<string, { value?: unknown; hlc: string }>): { item: HostScheduleItem; rejected: Rejection[] } {
    const fields = JSON.parse(row.fields) as ScheduleFields;
    const clocks = JSON.parse(row.clocks) as FieldClocks;
    const rejected: Rejection[] = [];
    const status = this.statusOf(row);
    const issued = this.ticketsIssued(row.space_id);
    let changed = false;
    for (const [name, change] of Object.entries(changes)) {
      if (!(SCHEDULE_FIELDS as string[]).includes(name)) {
        rejected.push({ field: name, reason: `unknown field "${name}"` });
        continue;
      }
      const field = name as ScheduleField;
      const parsed = ScheduleFields.shape[field].safeParse(change.value);
      if (!parsed.success) {
        rejected.push({ field, reason: parsed.error.issues[0]?.message ?? 'invalid value' });
        continue;
      }
      const value = parsed.data;
      if (sameValue(value, fields[field])) {
        if (change.hlc > (clocks[field] ?? '')) clocks[field] = change.hlc;
        continue;
      }
      if (change.hlc <= (clocks[field] ?? '')) continue; // an older write: the newer one stays
      const refusal = this.fieldRefusal(field, value, fields, status, issued);
      if (refusal) {
        rejected.push({ field, reason: refusal });
        continue;
      }
      (fields as Record<string, unknown>)[field] = value;
      clocks[field] = change.hlc;
      changed = true;
    }
    this.store.setFields(row.space_id, JSON.stringify(fields), JSON.stringify(clocks), fields.startsAt, this.store.nextVersion());
    if (changed && fields.title !== (JSON.parse(row.fields) as ScheduleFields).title) {
      this.spaceStore.setTitle(row.space_id, fields.title);
      this.spaces.touch(row.space_id);
    }
    return { item: this.hostItem(this.row(row.space_id)!), rejected };
  }

  /** Why the server refuses this change, or null: the fields the server owns. */
  private fieldRefusal(field: ScheduleField, value: unknown, current: ScheduleFields, status: ScheduleStatus, issued: number): string | null {
    if (status === 'cancelled') return 'this Space was cancelled';
    if (status !== 'scheduled') return 'this Space has already started: its settings are fixed';
    if (field === 'startsAt') {
      if (issued > 0) return `${issued} ticket(s) sold: the start time can no longer change`;
      return this.startRefusal(value as number);
    }
    if (field === 'ticketing' && issued > 0) {
      const t = value as ScheduleFields['ticketing'];
      if (!t) return `${issued} ticket(s) sold: ticketing cannot be turned off`;
      if (current.ticketing && t.priceCents !== current.ticketing.priceCents) return `${issued} ticket(s) sold: the price can no longer change`;
      if (t.count < issued) return `${issued} ticket(s) sold: the number of tickets cannot go below that`;
    }
    return null;
  }

  private startRefusal(startsAt: number): string | null {
    const now = this.now();
    const max = this.options.maxDaysAhead;
    if (startsAt > now + max * DAY) return `a Space can be scheduled at most ${max} days ahead`;
    if (startsAt < now - PAST_SLACK_MS) return 'the start time is in the past';
    return null;
  }

  private statusOf(row: ScheduleRow): ScheduleStatus {
    if (row.status === 'cancelled') return 'cancelled';
    if (row.space_state === 'ended') return 'ended';
    if (row.status === 'started' || row.space_state === 'live') return 'started';
    return 'scheduled';
  }

  private ticketsIssued(spaceId: string): number {
    return this.store.ticketCount(spaceId);
  }

  private bump(spaceId: string): void {
    this.store.setVersion(spaceId, this.store.nextVersion());
  }

  private hostItem(row: ScheduleRow): HostScheduleItem {
    return {
      id: row.space_id,
      fields: JSON.parse(row.fields) as ScheduleFields,
      clocks: JSON.parse(row.clocks) as FieldClocks,
      status: this.statusOf(row),
      reminderCount: this.store.reminderCount(row.space_id),
      ticketsIssued: this.ticketsIssued(row.space_id),
      version: row.version,
    };
  }

  private toPublic(row: ScheduleRow): PublicScheduleItem {
    const f = JSON.parse(row.fields) as ScheduleFields;
    const issued = f.ticketing ? this.ticketsIssued(row.space_id) : 0;
    return {
      id: row.space_id,
      title: f.title,
      description: f.description,
      startsAt: f.startsAt,
      timeZone: f.timeZone,
      durationMin: f.durationMin,
      hostHandle: row.host_handle,
      hostName: row.host_name,
      cohosts: f.cohosts,
      speakers: f.speakers,
      topics: f.topics,
      status: this.statusOf(row),
      ticketing: f.ticketing
        ? { priceCents: f.ticketing.priceCents, count: f.ticketing.count, left: Math.max(0, f.ticketing.count - issued), soldOut: issued >= f.ticketing.count }
        : null,
    };
  }
}
