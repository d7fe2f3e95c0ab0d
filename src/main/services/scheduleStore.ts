import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors.js';
import {
  SCHEDULE_FIELDS,
  ScheduleFields,
  type FieldClocks,
  type HostScheduleItem,
  type LocalScheduleItem,
  type Rejection,
  type ScheduleField,
  type ScheduleStatus,
  type SyncState,
} from '../../shared/schedule.js';
import { HybridClock, parseHlc } from './hlc.js';

interface ItemRow {
  id: string;
  fields: string;
  clocks: string;
  deleted: number;
  acked: number;
  sync_state: SyncState;
  sync_reason: string | null;
  status: ScheduleStatus | null;
  reminder_count: number;
  tickets_issued: number;
  acked_fields: string;
  updated_at: number;
}

export type OutboxOp = 'create' | 'update' | 'cancel';
export interface OutboxEntry {
  seq: number;
  key: string;
  spaceId: string;
  op: OutboxOp;
  /** create: { fields, hlc }; update: { changes: { field: { value, hlc } } }; cancel: { hlc }. */
  payload: Record<string, unknown>;
  attempts: number;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const newSpaceId = (): string => Array.from(randomBytes(10), (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
const newKey = (): string => randomBytes(16).toString('base64url');
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export const DEFAULT_FIELDS: Omit<ScheduleFields, 'title' | 'startsAt'> = {
  description: '',
  timeZone: 'UTC',
  durationMin: 60,
  cohosts: [],
  speakers: [],
  topics: [],
  ticketing: null,
  soundboardSetId: null,
  notes: '',
};

/**
 * The Studio's scheduled Spaces in SQLite. Every edit commits, in one transaction, the new
 * fields with their clocks and an outbox entry with a fresh idempotency key: once a call
 * returns, the edit survives a crash and will reach the server. Remote state is merged per
 * field, last writer (greatest HLC) wins.
 */
export class ScheduleStore {
  readonly clock: HybridClock;
  /** The outbox entry being sent right now (never dropped from under the sync engine). */
  inFlight: number | null = null;
  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    let node = this.meta('node');
    if (!node) {
      node = randomBytes(6).toString('base64url');
      this.setMeta('node', node);
    }
    this.clock = new HybridClock(node, this.meta('hlc'), now);
    this.stmts = {
      get: db.prepare(`SELECT * FROM scheduled_spaces WHERE id = ?`),
      upsert: db.prepare(
        `INSERT INTO scheduled_spaces (id, fields, clocks, title, starts_at, deleted, acked, sync_state, sync_reason, status, reminder_count, tickets_issued, acked_fields, updated_at)
         VALUES (@id, @fields, @clocks, @title, @starts_at, @deleted, @acked, @sync_state, @sync_reason, @status, @reminder_count, @tickets_issued, @acked_fields, @updated_at)
         ON CONFLICT(id) DO UPDATE SET fields = excluded.fields, clocks = excluded.clocks, title = excluded.title, starts_at = excluded.starts_at,
           deleted = excluded.deleted, acked = excluded.acked, sync_state = excluded.sync_state, sync_reason = excluded.sync_reason,
           status = excluded.status, reminder_count = excluded.reminder_count, tickets_issued = excluded.tickets_issued, acked_fields = excluded.acked_fields, updated_at = excluded.updated_at`,
      ),
      rowid: db.prepare(`SELECT rowid AS r FROM scheduled_spaces WHERE id = ?`),
      ftsDelete: db.prepare(`DELETE FROM scheduled_spaces_fts WHERE rowid = ?`),
      ftsInsert: db.prepare(`INSERT INTO scheduled_spaces_fts (rowid, title, description, topics) VALUES (?, ?, ?, ?)`),
      outboxAdd: db.prepare(`INSERT INTO schedule_outbox (key, space_id, op, payload, created_at) VALUES (?, ?, ?, ?, ?)`),
      outboxFirst: db.prepare(`SELECT * FROM schedule_outbox ORDER BY seq LIMIT 1`),
      outboxCount: db.prepare(`SELECT COUNT(*) AS n FROM schedule_outbox`),
      outboxFor: db.prepare(`SELECT * FROM schedule_outbox WHERE space_id = ? ORDER BY seq`),
      // The page's rowids come from the covering index alone; only the page's rows are read.
      list: db.prepare(
        `SELECT * FROM scheduled_spaces WHERE rowid IN (SELECT rowid FROM scheduled_spaces WHERE deleted = 0 ORDER BY starts_at, id LIMIT ? OFFSET ?) ORDER BY starts_at, id`,
      ),
      count: db.prepare(`SELECT COUNT(*) AS n FROM scheduled_spaces WHERE deleted = 0`),
      // The matches' rowids (index only, no text read), then the start-time index walked until the page is full.
      search: db.prepare(
        `SELECT * FROM scheduled_spaces WHERE deleted = 0 AND rowid IN (SELECT rowid FROM scheduled_spaces_fts WHERE scheduled_spaces_fts MATCH ?)
         ORDER BY starts_at, id LIMIT ? OFFSET ?`,
      ),
      searchCount: db.prepare(`SELECT COUNT(*) AS n FROM scheduled_spaces_fts WHERE scheduled_spaces_fts MATCH ?`),
    };
  }

  // ---- local edits (each one transaction: item + outbox entry) ----

  create(input: Partial<ScheduleFields> & Pick<ScheduleFields, 'title' | 'startsAt'>, id = newSpaceId()): LocalScheduleItem {
    const fields = parseFields({ ...DEFAULT_FIELDS, ...input });
    return this.db.transaction(() => {
      if (this.stmts.get.get(id)) throw new AppError('conflict', 'a scheduled Space with this id exists');
      const hlc = this.tick();
      const clocks = Object.fromEntries(SCHEDULE_FIELDS.map((f) => [f, hlc]));
      this.write({ id, fields, clocks, deleted: 0, acked: 0, sync_state: 'saved_locally', sync_reason: null, status: null, reminder_count: 0, tickets_issued: 0, acked_fields: '{}' });
      this.addOutbox(id, 'create', { fields, hlc });
      return this.get(id)!;
    })();
  }

  update(id: string, patch: Partial<ScheduleFields>): LocalScheduleItem {
    return this.db.transaction(() => {
      const row = this.row(id);
      if (!row || row.deleted) throw new AppError('not_found', 'no scheduled Space with this id');
      const fields = JSON.parse(row.fields) as ScheduleFields;
      const clocks = JSON.parse(row.clocks) as FieldClocks;
      const next = parseFields({ ...fields, ...patch });
      const changes: Record<string, { value: unknown; hlc: string }> = {};
      const hlc = this.tick();
      for (const f of SCHEDULE_FIELDS) {
        if (same(next[f], fields[f])) continue;
        changes[f] = { value: next[f], hlc };
        clocks[f] = hlc;
      }
      if (Object.keys(changes).length === 0) return this.toItem(row);
      this.write({ ...row, fields: next, clocks, sync_state: 'saved_locally', sync_reason: null });
      this.addOutbox(id, 'update', { changes });
      return this.get(id)!;
    })();
  }

  /** Deletes locally; a Space the server has (or may have) is cancelled there. */
  remove(id: string): void {
    this.db.transaction(() => {
      const row = this.row(id);
      if (!row || row.deleted) throw new AppError('not_found', 'no scheduled Space with this id');
      const entries = this.stmts.outboxFor.all(id) as { seq: number }[];
      const neverSent = !row.acked && !entries.some((e) => e.seq === this.inFlight);
      if (neverSent) {
        // The server never heard of it: forget it entirely.
        this.db.prepare(`DELETE FROM schedule_outbox WHERE space_id = ?`).run(id);
        this.unindex(id);
        this.db.prepare(`DELETE FROM scheduled_spaces WHERE id = ?`).run(id);
        return;
      }
      this.db.prepare(`UPDATE scheduled_spaces SET deleted = 1, sync_state = 'saved_locally', sync_reason = NULL, updated_at = ? WHERE id = ?`).run(this.now(), id);
      this.unindex(id);
      this.addOutbox(id, 'cancel', { hlc: this.tick() });
    })();
  }

  // ---- reads ----

  get(id: string): LocalScheduleItem | undefined {
    const row = this.row(id);
    return row && !row.deleted ? this.toItem(row) : undefined;
  }

  list(opts: { query?: string; limit: number; offset: number }): { items: LocalScheduleItem[]; total: number } {
    const q = ftsQuery(opts.query);
    if (!q) {
      const rows = this.stmts.list.all(opts.limit, opts.offset) as ItemRow[];
      return { items: rows.map((r) => this.toItem(r)), total: (this.stmts.count.get() as { n: number }).n };
    }
    const rows = this.stmts.search.all(q, opts.limit, opts.offset) as ItemRow[];
    // Deleted Spaces are taken out of the full-text index, so its count is the total.
    return { items: rows.map((r) => this.toItem(r)), total: (this.stmts.searchCount.get(q) as { n: number }).n };
  }

  // ---- outbox ----

  pendingCount(): number {
    return (this.stmts.outboxCount.get() as { n: number }).n;
  }

  peek(): OutboxEntry | undefined {
    const r = this.stmts.outboxFirst.get() as { seq: number; key: string; space_id: string; op: OutboxOp; payload: string; attempts: number } | undefined;
    return r && { seq: r.seq, key: r.key, spaceId: r.space_id, op: r.op, payload: JSON.parse(r.payload) as Record<string, unknown>, attempts: r.attempts };
  }

  attempted(seq: number): void {
    this.db.prepare(`UPDATE schedule_outbox SET attempts = attempts + 1 WHERE seq = ?`).run(seq);
  }

  /** The server took the entry: drop it and merge its answer. */
  acknowledge(entry: OutboxEntry, item: HostScheduleItem, rejected: Rejection[]): LocalScheduleItem | undefined {
    return this.db.transaction(() => {
      this.db.prepare(`DELETE FROM schedule_outbox WHERE seq = ?`).run(entry.seq);
      const row = this.row(entry.spaceId);
      if (row) {
        const acked = JSON.parse(row.acked_fields) as Record<string, number>;
        const names = entry.op === 'create' ? SCHEDULE_FIELDS : entry.op === 'update' ? Object.keys(entry.payload.changes as object) : [];
        for (const f of names) acked[f] = this.now();
        this.db.prepare(`UPDATE scheduled_spaces SET acked_fields = ? WHERE id = ?`).run(JSON.stringify(acked), entry.spaceId);
      }
      return this.merge(item, rejected, true);
    })();
  }

  /** The server refused the entry for good: drop it and show why. */
  refuse(entry: OutboxEntry, reason: string): LocalScheduleItem | undefined {
    return this.db.transaction(() => {
      this.db.prepare(`DELETE FROM schedule_outbox WHERE seq = ?`).run(entry.seq);
      const row = this.row(entry.spaceId);
      if (!row) return undefined;
      if (entry.op === 'cancel') {
        // Not cancelled after all (e.g. already started): bring it back.
        this.db.prepare(`UPDATE scheduled_spaces SET deleted = 0 WHERE id = ?`).run(entry.spaceId);
        this.index(entry.spaceId, JSON.parse(row.fields) as ScheduleFields);
      }
      this.db.prepare(`UPDATE scheduled_spaces SET sync_state = 'rejected', sync_reason = ?, updated_at = ? WHERE id = ?`).run(reason, this.now(), entry.spaceId);
      return this.get(entry.spaceId);
    })();
  }

  // ---- remote state ----

  cursor(serverUrl: string): number {
    return Number(this.meta(`cursor:${serverUrl}`) ?? 0);
  }

  setCursor(serverUrl: string, cursor: number): void {
    this.setMeta(`cursor:${serverUrl}`, String(cursor));
  }

  /**
   * Merges the server's view of an item: per field, the greater clock wins; fields the server
   * refused take the server's value. Returns the item as now shown (undefined if deleted).
   */
  merge(remote: HostScheduleItem, rejected: Rejection[] = [], fromAck = false): LocalScheduleItem | undefined {
    return this.db.transaction(() => {
      for (const c of Object.values(remote.clocks)) this.clock.observe(c);
      this.setMeta('hlc', this.clock.tick());
      const row = this.row(remote.id);
      const pendingFields = this.pendingFields(remote.id);
      const gone = remote.status === 'cancelled';
      if (!row) {
        if (gone) return undefined;
        this.write({
          id: remote.id, fields: remote.fields, clocks: remote.clocks, deleted: 0, acked: 1, sync_state: 'synced', sync_reason: null,
          status: remote.status, reminder_count: remote.reminderCount, tickets_issued: remote.ticketsIssued, acked_fields: '{}',
        });
        return this.get(remote.id);
      }
      const fields = JSON.parse(row.fields) as ScheduleFields;
      const clocks = JSON.parse(row.clocks) as FieldClocks;
      const refused = new Map(rejected.map((r) => [r.field, r.reason]));
      const acked = JSON.parse(row.acked_fields) as Record<string, number>;
      const lost: string[] = [];
      for (const f of SCHEDULE_FIELDS) {
        const rc = remote.clocks[f] ?? '';
        const lc = clocks[f] ?? '';
        if (refused.has(f) || refused.has('*')) {
          (fields as Record<string, unknown>)[f] = remote.fields[f];
          clocks[f] = rc;
          continue;
        }
        if (rc > lc) {
          // A conflict: our unsent edit loses, or our sent edit is overwritten by one made before it
          // reached the server (so made without knowing it: a concurrent edit, e.g. offline elsewhere).
          const ackedAt = acked[f];
          const concurrent = parseHlc(lc)?.node === this.clock.node && ackedAt !== undefined && (parseHlc(rc)?.wall ?? 0) < ackedAt;
          if (!same(fields[f], remote.fields[f]) && (pendingFields.has(f) || concurrent)) lost.push(f);
          (fields as Record<string, unknown>)[f] = remote.fields[f];
          clocks[f] = rc;
        }
      }
      let sync_state: SyncState;
      let sync_reason: string | null = null;
      if (rejected.length) {
        sync_state = 'rejected';
        sync_reason = rejected.map((r) => (r.field === '*' ? r.reason : `${r.field}: ${r.reason}`)).join('; ');
      } else if (lost.length) {
        sync_state = 'conflict_resolved';
        sync_reason = `a newer edit from elsewhere won for ${lost.join(', ')}`;
      } else if (this.hasOutbox(remote.id)) {
        sync_state = 'saved_locally';
      } else if (!fromAck && (row.sync_state === 'rejected' || row.sync_state === 'conflict_resolved')) {
        sync_state = row.sync_state; // keep showing the last outcome until the next edit
        sync_reason = row.sync_reason;
      } else sync_state = 'synced';
      const deleted = gone ? 1 : row.deleted && this.hasOutbox(remote.id) ? 1 : 0;
      this.write({
        ...row, fields, clocks, deleted, acked: 1, sync_state, sync_reason,
        status: remote.status, reminder_count: remote.reminderCount, tickets_issued: remote.ticketsIssued,
      });
      return this.get(remote.id);
    })();
  }

  // ---- internals ----

  private pendingFields(id: string): Set<string> {
    const out = new Set<string>();
    for (const e of this.stmts.outboxFor.all(id) as { op: OutboxOp; payload: string }[]) {
      if (e.op === 'create') SCHEDULE_FIELDS.forEach((f) => out.add(f));
      else if (e.op === 'update') Object.keys((JSON.parse(e.payload) as { changes: object }).changes).forEach((f) => out.add(f));
    }
    return out;
  }

  private hasOutbox(id: string): boolean {
    return (this.stmts.outboxFor.all(id) as unknown[]).length > 0;
  }

  private tick(): string {
    const hlc = this.clock.tick();
    this.setMeta('hlc', hlc);
    return hlc;
  }

  private addOutbox(spaceId: string, op: OutboxOp, payload: Record<string, unknown>): void {
    this.stmts.outboxAdd.run(newKey(), spaceId, op, JSON.stringify(payload), this.now());
  }

  private row(id: string): ItemRow | undefined {
    return this.stmts.get.get(id) as ItemRow | undefined;
  }

  private write(r: Omit<ItemRow, 'fields' | 'clocks' | 'updated_at'> & { fields: ScheduleFields | string; clocks: FieldClocks | string }): void {
    const fields = typeof r.fields === 'string' ? (JSON.parse(r.fields) as ScheduleFields) : r.fields;
    this.stmts.upsert.run({
      ...r,
      fields: JSON.stringify(fields),
      clocks: typeof r.clocks === 'string' ? r.clocks : JSON.stringify(r.clocks),
      title: fields.title,
      starts_at: fields.startsAt,
      updated_at: this.now(),
    });
    this.unindex(r.id);
    if (!r.deleted) this.index(r.id, fields);
  }

  private index(id: string, f: ScheduleFields): void {
    const rowid = (this.stmts.rowid.get(id) as { r: number }).r;
    this.stmts.ftsDelete.run(rowid);
    this.stmts.ftsInsert.run(rowid, f.title, f.description, f.topics.join(' '));
  }

  private unindex(id: string): void {
    const row = this.stmts.rowid.get(id) as { r: number } | undefined;
    if (row) this.stmts.ftsDelete.run(row.r);
  }

  private toItem(r: ItemRow): LocalScheduleItem {
    return {
      id: r.id,
      fields: JSON.parse(r.fields) as ScheduleFields,
      sync: { state: r.sync_state, reason: r.sync_reason },
      status: r.status,
      reminderCount: r.reminder_count,
      ticketsIssued: r.tickets_issued,
      updatedAt: r.updated_at,
    };
  }

  private meta(key: string): string | null {
    return (this.db.prepare(`SELECT value FROM schedule_meta WHERE key = ?`).get(key) as { value: string } | undefined)?.value ?? null;
  }

  private setMeta(key: string, value: string): void {
    this.db.prepare(`INSERT INTO schedule_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(key, value);
  }
}

function parseFields(input: unknown): ScheduleFields {
  const r = ScheduleFields.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new AppError('bad_message', `${i.path.join('.') || 'fields'}: ${i.message}`);
  }
  return r.data;
}

/** A user's search text as an FTS5 query: every word as a prefix, all required. */
export function ftsQuery(query: string | undefined): string | null {
  const words = (query ?? '').toLowerCase().match(/[\p{L}\p{N}]+/gu);
  if (!words?.length) return null;
  return words.slice(0, 8).map((w) => `"${w}"*`).join(' ');
}

export type { ScheduleField };
