import { useTranslation } from 'react-i18next';
import { formatDateTime, formatMinutes, formatTime } from '../../../shared/intl';
import { i18next } from '../i18n';
import { useCallback, useEffect, useState } from 'react';
import type { HostedSpace } from '../../../shared/ipc';
import type { LocalScheduleItem, ScheduleFields, SyncStatus } from '../../../shared/schedule';
import { studio } from '../api';
import { errorText } from '../errors';

/** Wall time `YYYY-MM-DDTHH:mm` in an IANA zone -> instant (ms). */
export function zonedToInstant(local: string, timeZone: string): number {
  const [d, t] = local.split('T');
  const [y, mo, da] = d!.split('-').map(Number);
  const [h, mi] = t!.split(':').map(Number);
  const wall = Date.UTC(y!, mo! - 1, da!, h!, mi!);
  const offset = (ms: number): number => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
        .formatToParts(ms)
        .map((x) => [x.type, x.value]),
    );
    return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!) - Math.floor(ms / 60_000) * 60_000;
  };
  let guess = wall - offset(wall);
  guess = wall - offset(guess);
  return guess;
}

/** Instant -> wall time `YYYY-MM-DDTHH:mm` in an IANA zone. */
export function instantToZoned(ms: number, timeZone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(ms)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

const SYNC_TEXT: Record<LocalScheduleItem['sync']['state'], string> = {
  saved_locally: 'schedule.sync.saved_locally',
  synced: 'schedule.sync.synced',
  conflict_resolved: 'schedule.sync.conflict_resolved',
  rejected: 'schedule.sync.rejected',
};

const STATUS_TEXT: Record<SyncStatus['state'], string> = { offline: 'schedule.status.offline', syncing: 'schedule.status.syncing', idle: 'schedule.status.idle' };
const FIELDS = new Set(['startsAt', 'timeZone', 'durationMin', 'soundboardSetId', 'cohosts']);
/** The server's reasons name fields (`startsAt: ...`): say them as the form does. */
const reasonText = (r: string): string =>
  r.split('; ').map((part) => part.replace(/^(\w+): /, (_m, f: string) => `${FIELDS.has(f) ? i18next.t(`schedule.fields.${f}`) : f}: `)).join('; ');
const zones: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
})();

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);

interface Draft {
  title: string;
  when: string;
  timeZone: string;
  durationMin: string;
  description: string;
  topics: string;
  cohosts: string;
  speakers: string;
  ticketed: boolean;
  price: string;
  count: string;
  soundboardSetId: string;
  notes: string;
}

const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
function emptyDraft(): Draft {
  return { title: '', when: instantToZoned(Date.now() + 24 * 3600_000, localZone), timeZone: localZone, durationMin: '60', description: '', topics: '', cohosts: '', speakers: '', ticketed: false, price: '0', count: '100', soundboardSetId: '', notes: '' };
}
function draftOf(i: LocalScheduleItem): Draft {
  const f = i.fields;
  return {
    title: f.title, when: instantToZoned(f.startsAt, f.timeZone), timeZone: f.timeZone, durationMin: String(f.durationMin), description: f.description,
    topics: f.topics.join(', '), cohosts: f.cohosts.join(', '), speakers: f.speakers.join(', '), ticketed: !!f.ticketing,
    price: String((f.ticketing?.priceCents ?? 0) / 100), count: String(f.ticketing?.count ?? 100), soundboardSetId: f.soundboardSetId ?? '', notes: f.notes,
  };
}
function fieldsOf(d: Draft): ScheduleFields {
  return {
    title: d.title, startsAt: zonedToInstant(d.when, d.timeZone), timeZone: d.timeZone, durationMin: Number(d.durationMin), description: d.description,
    topics: list(d.topics), cohosts: list(d.cohosts), speakers: list(d.speakers),
    ticketing: d.ticketed ? { priceCents: Math.round(Number(d.price) * 100), count: Number(d.count) } : null,
    soundboardSetId: d.soundboardSetId.trim() || null, notes: d.notes,
  };
}

/**
 * Scheduled Spaces, kept by the main process offline-first: edit any time, see how far each edit
 * got (saved locally / synced / conflict resolved / rejected and why), start one to host it.
 */
export function SchedulePanel({ onStarted }: { onStarted: (h: HostedSpace) => void }) {
  const { t: tr, i18n } = useTranslation();
  const [items, setItems] = useState<LocalScheduleItem[]>([]);
  const [query, setQuery] = useState('');
  const [sync, setSync] = useState<SyncStatus | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [lead, setLead] = useState(10);
  const [error, setError] = useState<string | null>(null);
  const [codes, setCodes] = useState<Record<string, string[]>>({});

  const refresh = useCallback(async () => {
    setItems((await studio.listScheduled({ query: query || undefined, limit: 100, offset: 0 })).items);
  }, [query]);

  useEffect(() => {
    void refresh();
    void studio.getSyncStatus({}).then(setSync);
    void studio.getScheduleSettings({}).then((s) => setLead(s.reminderLeadMin));
    const offs = [
      studio.onScheduleItem(() => void refresh()),
      studio.onScheduleRemoved(() => void refresh()),
      studio.onScheduleSync(setSync),
      studio.onScheduleReminder((r) => {
        const text = i18next.t('schedule.startsAt', { title: r.title, time: formatTime(r.startsAt, i18next.language) });
        if (typeof Notification !== 'undefined') {
          if (Notification.permission === 'granted') new Notification(i18next.t('schedule.startsSoon'), { body: text });
          else if (Notification.permission !== 'denied') void Notification.requestPermission();
        }
        setError(i18next.t('schedule.reminder', { text }));
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [refresh]);

  const attempt = async (fn: () => Promise<unknown>): Promise<void> => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const save = () =>
    attempt(async () => {
      await studio.saveScheduled({ id: editing ?? undefined, fields: fieldsOf(draft) });
      setEditing(null);
      setDraft(emptyDraft());
      await refresh();
    });
  const set = (k: keyof Draft) => (e: { target: { value: string; checked?: boolean } }) =>
    setDraft((d) => ({ ...d, [k]: k === 'ticketed' ? !!e.target.checked : e.target.value }));

  const editingTitle = editing ? items.find((i) => i.id === editing)?.fields.title : undefined;
  const issueCode = (i: LocalScheduleItem) =>
    attempt(async () => {
      const { codes: fresh } = await studio.issueTicketCodes({ id: i.id, kind: 'complimentary', count: 1 });
      setCodes((c) => ({ ...c, [i.id]: [...(c[i.id] ?? []), ...fresh] }));
    });

  return (
    <section className="panel schedule" aria-label={tr('schedule.region')}>
      <h2>{tr('schedule.region')}</h2>
      <div className="row">
        <span className={`chip sync-status sync-status-${sync?.state ?? 'offline'}`} data-testid="schedule-sync" role="status">
          {sync ? `${tr(STATUS_TEXT[sync.state])}${sync.pending ? ` · ${tr('schedule.pending', { n: sync.pending })}` : ''}` : '…'}
        </span>
        <button type="button" className="secondary small" onClick={() => void attempt(async () => setSync(await studio.syncNow({})))}>{tr('schedule.syncNow')}</button>
      </div>
      {sync?.error && <p className="muted">{tr(`errors.code.${sync.errorCode ?? 'not_connected'}`)}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      <form aria-label={editing ? tr('schedule.editForm') : tr('schedule.newForm')} onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <h3>{editing ? tr('schedule.editing', { title: editingTitle ?? '' }) : tr('schedule.newTitle')}</h3>
        <label>{tr('schedule.title')} <input value={draft.title} maxLength={120} onChange={set('title')} /></label>
        <div className="schedule-when">
          <label>{tr('schedule.starts')} <input type="datetime-local" value={draft.when} onChange={set('when')} required /></label>
          <label>{tr('schedule.timeZone')} <input value={draft.timeZone} onChange={set('timeZone')} list="schedule-zones" required /></label>
          <label>{tr('schedule.minutes')} <input type="number" min={5} max={1440} value={draft.durationMin} onChange={set('durationMin')} required /></label>
        </div>
        <datalist id="schedule-zones">{zones.map((z) => <option key={z} value={z} />)}</datalist>
        <label>{tr('schedule.description')} <textarea value={draft.description} maxLength={2000} onChange={set('description')} /></label>
        <label>{tr('schedule.topics')} <input value={draft.topics} onChange={set('topics')} placeholder={tr('schedule.commaSeparated')} /></label>
        <label>{tr('schedule.cohosts')} <input value={draft.cohosts} onChange={set('cohosts')} placeholder={tr('schedule.handles')} /></label>
        <label>{tr('schedule.speakers')} <input value={draft.speakers} onChange={set('speakers')} placeholder={tr('schedule.handles')} /></label>
        <label className="check"><input type="checkbox" checked={draft.ticketed} onChange={set('ticketed')} /> {tr('schedule.ticketed')}</label>
        {draft.ticketed && (
          <div className="schedule-when">
            <label>{tr('schedule.price')} <input type="number" min={0} step="0.01" value={draft.price} onChange={set('price')} /></label>
            <label>{tr('schedule.tickets')} <input type="number" min={1} value={draft.count} onChange={set('count')} /></label>
          </div>
        )}
        <label>{tr('schedule.soundboardSet')} <input value={draft.soundboardSetId} onChange={set('soundboardSetId')} /></label>
        <label>{tr('schedule.notes')} <textarea value={draft.notes} onChange={set('notes')} /></label>
        <div className="row">
          <button type="submit" disabled={!draft.title.trim()}>{editing ? tr('schedule.save') : tr('schedule.schedule')}</button>
          {editing && <button type="button" className="secondary" onClick={() => { setEditing(null); setDraft(emptyDraft()); }}>{tr('schedule.cancelEdit')}</button>}
        </div>
      </form>
      <div className="schedule-when">
        <label>{tr('schedule.search')} <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} /></label>
        <label>
          {tr('schedule.lead')}
          <input type="number" min={0} value={lead} onChange={(e) => void attempt(async () => setLead((await studio.updateScheduleSettings({ reminderLeadMin: Number(e.target.value) })).reminderLeadMin))} />
        </label>
      </div>
      {items.length === 0 && <p className="muted empty">{query ? tr('schedule.noMatch') : tr('schedule.none')}</p>}
      <ul className="schedule-list" aria-label={tr('schedule.list')}>
        {items.map((i) => {
          const t = i.fields.title;
          const open = !i.status || i.status === 'scheduled';
          return (
            <li key={i.id} className="schedule-item" data-testid={`scheduled-${i.id}`}>
              <div className="who">
                <strong className="name">{t}</strong>
                <span className="muted">
                  {formatDateTime(i.fields.startsAt, i18n.language, i.fields.timeZone)} ({i.fields.timeZone}) · {formatMinutes(i.fields.durationMin, i18n.language)}
                  {i.fields.topics.length > 0 && ` · ${i.fields.topics.join(', ')}`}
                </span>
              </div>
              <span className={`chip sync sync-${i.sync.state}`} data-testid="sync-state">{tr(SYNC_TEXT[i.sync.state])}</span>
              {i.status && i.status !== 'scheduled' && <span className="chip">{tr(`schedule.itemStatus.${i.status}`)}</span>}
              <span className="muted" data-testid="reminders">{tr('schedule.reminders', { count: i.reminderCount })}</span>
              {i.fields.ticketing && <span className="muted" data-testid="tickets">{tr('schedule.ticketsIssued', { issued: i.ticketsIssued, total: i.fields.ticketing.count })}</span>}
              {i.sync.reason && <p className={`sync-reason ${i.sync.state === 'rejected' ? 'error' : 'muted'}`} data-testid="sync-reason">{reasonText(i.sync.reason)}</p>}
              {codes[i.id] && (
                <ul className="ticket-codes" aria-label={tr('schedule.codesFor', { title: t })}>
                  {codes[i.id]!.map((c) => <li key={c}><code>{c}</code></li>)}
                </ul>
              )}
              <div className="actions">
                <button type="button" className="secondary small" aria-label={tr('schedule.editItem', { title: t })} onClick={() => { setEditing(i.id); setDraft(draftOf(i)); }} disabled={!open}>{tr('common.edit')}</button>
                {i.fields.ticketing && open && (
                  <button type="button" className="secondary small" aria-label={tr('schedule.issueFor', { title: t })} onClick={() => void issueCode(i)}>{tr('schedule.ticketCode')}</button>
                )}
                <button type="button" className="secondary small" aria-label={tr('schedule.deleteItem', { title: t })} onClick={() => void attempt(() => studio.deleteScheduled({ id: i.id }).then(refresh))}>{tr('common.delete')}</button>
                {open && <button type="button" className="small" aria-label={tr('schedule.startItem', { title: t })} onClick={() => void attempt(async () => onStarted(await studio.startScheduled({ id: i.id })))}>{tr('schedule.start')}</button>}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
