import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors.js';
import type { IpcParsedRequest, IpcResponse } from '../../shared/ipc.js';
import type { LocalScheduleItem, SyncStatus } from '../../shared/schedule.js';
import type { EventSink } from './studioService.js';
import { ScheduleStore } from './scheduleStore.js';
import { ScheduleSync, type SyncOptions, type SyncTarget } from './scheduleSync.js';

export interface ScheduleServiceDeps {
  db: Database.Database;
  emit: EventSink;
  target: SyncTarget;
  /** Enters a Space on the Studio's main connection (after the server started it). */
  enterSpace?: (spaceId: string) => Promise<IpcResponse<'startScheduled'>>;
  sync?: SyncOptions;
  now?: () => number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The Studio's scheduled Spaces: the IPC calls (method names = call names), the local store,
 * the sync engine, and the host's reminders (an event to the renderer, which shows the desktop
 * notification, `reminderLeadMin` before each start).
 */
export class ScheduleService {
  readonly store: ScheduleStore;
  readonly sync: ScheduleSync;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly notified = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly deps: ScheduleServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.store = new ScheduleStore(deps.db, this.now);
    this.sync = new ScheduleSync(
      this.store,
      deps.target,
      (item) => {
        if ('removed' in item) {
          this.clearReminder(item.removed);
          deps.emit('onScheduleRemoved', { id: item.removed });
        } else this.changed(item);
      },
      (s) => deps.emit('onScheduleSync', s),
      deps.sync,
    );
    for (const item of this.store.list({ limit: 10_000, offset: 0 }).items) this.armReminder(item);
  }

  listScheduled(req: IpcParsedRequest<'listScheduled'>): IpcResponse<'listScheduled'> {
    return this.store.list(req);
  }

  saveScheduled(req: IpcParsedRequest<'saveScheduled'>): LocalScheduleItem {
    let item: LocalScheduleItem;
    if (req.id) item = this.store.update(req.id, req.fields);
    else {
      const { title, startsAt } = req.fields;
      if (title === undefined || startsAt === undefined) throw new AppError('bad_message', 'a new scheduled Space needs a title and a start time');
      item = this.store.create({ ...req.fields, title, startsAt });
    }
    this.changed(item);
    this.sync.kick();
    return item;
  }

  deleteScheduled(req: IpcParsedRequest<'deleteScheduled'>): { id: string } {
    this.store.remove(req.id);
    this.clearReminder(req.id);
    this.deps.emit('onScheduleRemoved', { id: req.id });
    this.sync.kick();
    return { id: req.id };
  }

  async startScheduled(req: IpcParsedRequest<'startScheduled'>): Promise<IpcResponse<'startScheduled'>> {
    if (!this.store.get(req.id)) throw new AppError('not_found', 'no scheduled Space with this id');
    const { item } = await this.sync.request('schedule.start', { spaceId: req.id });
    const local = this.store.merge(item);
    if (local) this.changed(local);
    if (!this.deps.enterSpace) throw new AppError('not_connected', 'the Studio is not connected to this Space server');
    return this.deps.enterSpace(req.id);
  }

  /** Ticket codes come from the server (it must know the Space: the outbox is flushed first). */
  async issueTicketCodes(req: IpcParsedRequest<'issueTicketCodes'>): Promise<IpcResponse<'issueTicketCodes'>> {
    if (!this.store.get(req.id)) throw new AppError('not_found', 'no scheduled Space with this id');
    return this.sync.request('ticket.codes', { spaceId: req.id, kind: req.kind, count: req.count });
  }

  syncNow(): Promise<SyncStatus> {
    return this.sync.syncNow();
  }

  getSyncStatus(): SyncStatus {
    return this.sync.getStatus();
  }

  getScheduleSettings(): { reminderLeadMin: number } {
    const row = this.deps.db.prepare(`SELECT value FROM schedule_meta WHERE key = 'reminderLeadMin'`).get() as { value: string } | undefined;
    return { reminderLeadMin: row ? Number(row.value) : 10 };
  }

  updateScheduleSettings(req: IpcParsedRequest<'updateScheduleSettings'>): { reminderLeadMin: number } {
    this.deps.db
      .prepare(`INSERT INTO schedule_meta (key, value) VALUES ('reminderLeadMin', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`)
      .run(String(req.reminderLeadMin));
    this.notified.clear();
    for (const item of this.store.list({ limit: 10_000, offset: 0 }).items) this.armReminder(item);
    return this.getScheduleSettings();
  }

  dispose(): void {
    this.sync.stop();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private changed(item: LocalScheduleItem): void {
    this.armReminder(item);
    this.deps.emit('onScheduleItem', item);
  }

  /** The host's reminder: fires once, `reminderLeadMin` before the start, while the Space is still upcoming. */
  private armReminder(item: LocalScheduleItem): void {
    this.clearReminder(item.id);
    if (item.status && item.status !== 'scheduled') return;
    const startsAt = item.fields.startsAt;
    const key = `${item.id}@${startsAt}`;
    if (this.notified.has(key) || startsAt <= this.now()) return;
    const at = startsAt - this.getScheduleSettings().reminderLeadMin * 60_000;
    const fire = (): void => {
      this.timers.delete(item.id);
      this.notified.add(key);
      this.deps.emit('onScheduleReminder', { id: item.id, title: item.fields.title, startsAt });
    };
    const delay = at - this.now();
    if (delay > MAX_TIMER_MS) return; // re-armed on the next start of the Studio or edit
    const t = setTimeout(fire, Math.max(0, delay));
    t.unref?.();
    this.timers.set(item.id, t);
  }

  private clearReminder(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }
}
