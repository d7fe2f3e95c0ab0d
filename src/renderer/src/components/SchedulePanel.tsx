import { useCallback, useEffect, useState } from 'react';
import type { HostedSpace } from '../../../shared/ipc';
import type { LocalScheduleItem, ScheduleFields, SyncStatus } from '../../../shared/schedule';
import { studio } from '../api';

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
  saved_locally: 'saved locally',
  synced: 'synced',
  conflict_resolved: 'conflict resolved',
  rejected: 'rejected',
};

const STATUS_TEXT: Record<SyncStatus['state'], string> = { offline: 'Offline: edits are kept on this computer', syncing: 'Syncing…', idle: 'Up to date' };
const FIELD_TEXT: Record<string, string> = { startsAt: 'start time', timeZone: 'time zone', durationMin: 'duration', soundboardSetId: 'soundboard set', cohosts: 'co-hosts' };
/** The server's reasons name fields (`startsAt: ...`): say them as the form does. */
const reasonText = (r: string): string => r.split('; ').map((part) => part.replace(/^(\w+): /, (_m, f: string) => `${FIELD_TEXT[f] ?? f}: `)).join('; ');
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
        const text = `“${r.title}” starts at ${new Date(r.startsAt).toLocaleTimeString()}`;
        if (typeof Notification !== 'undefined') {
          if (Notification.permission === 'granted') new Notification('Your Space starts soon', { body: text });
          else if (Notification.permission !== 'denied') void Notification.requestPermission();
        }
        setError(`Reminder: ${text}`);
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [refresh]);

  const attempt = async (fn: () => Promise<unknown>): Promise<void> => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
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
    <section className="panel schedule" aria-label="Scheduled Spaces">
      <h2>Scheduled Spaces</h2>
      <div className="row">
        <span className={`chip sync-status sync-status-${sync?.state ?? 'offline'}`} data-testid="schedule-sync" role="status">
          {sync ? `${STATUS_TEXT[sync.state]}${sync.pending ? ` · ${sync.pending} edit(s) waiting` : ''}` : '…'}
        </span>
        <button type="button" className="secondary small" onClick={() => void attempt(async () => setSync(await studio.syncNow({})))}>Sync now</button>
      </div>
      {sync?.error && <p className="muted">{sync.error}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      <form aria-label={editing ? 'Edit scheduled Space' : 'Schedule a Space'} onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <h3>{editing ? `Editing “${editingTitle ?? ''}”` : 'New scheduled Space'}</h3>
        <label>Title <input value={draft.title} maxLength={120} onChange={set('title')} /></label>
        <div className="schedule-when">
          <label>Starts <input type="datetime-local" value={draft.when} onChange={set('when')} required /></label>
          <label>Time zone <input value={draft.timeZone} onChange={set('timeZone')} list="schedule-zones" required /></label>
          <label>Minutes <input type="number" min={5} max={1440} value={draft.durationMin} onChange={set('durationMin')} required /></label>
        </div>
        <datalist id="schedule-zones">{zones.map((z) => <option key={z} value={z} />)}</datalist>
        <label>Description <textarea value={draft.description} maxLength={2000} onChange={set('description')} /></label>
        <label>Topics <input value={draft.topics} onChange={set('topics')} placeholder="comma separated" /></label>
        <label>Co-hosts <input value={draft.cohosts} onChange={set('cohosts')} placeholder="handles, comma separated" /></label>
        <label>Speakers <input value={draft.speakers} onChange={set('speakers')} placeholder="handles, comma separated" /></label>
        <label className="check"><input type="checkbox" checked={draft.ticketed} onChange={set('ticketed')} /> Ticketed</label>
        {draft.ticketed && (
          <div className="schedule-when">
            <label>Price <input type="number" min={0} step="0.01" value={draft.price} onChange={set('price')} /></label>
            <label>Tickets <input type="number" min={1} value={draft.count} onChange={set('count')} /></label>
          </div>
        )}
        <label>Soundboard set <input value={draft.soundboardSetId} onChange={set('soundboardSetId')} /></label>
        <label>Private notes <textarea value={draft.notes} onChange={set('notes')} /></label>
        <div className="row">
          <button type="submit" disabled={!draft.title.trim()}>{editing ? 'Save changes' : 'Schedule'}</button>
          {editing && <button type="button" className="secondary" onClick={() => { setEditing(null); setDraft(emptyDraft()); }}>Cancel edit</button>}
        </div>
      </form>
      <div className="schedule-when">
        <label>Search <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} /></label>
        <label>
          Remind me (minutes before)
          <input type="number" min={0} value={lead} onChange={(e) => void attempt(async () => setLead((await studio.updateScheduleSettings({ reminderLeadMin: Number(e.target.value) })).reminderLeadMin))} />
        </label>
      </div>
      {items.length === 0 && <p className="muted empty">{query ? 'Nothing matches.' : 'Nothing scheduled yet.'}</p>}
      <ul className="schedule-list" aria-label="Your scheduled Spaces">
        {items.map((i) => {
          const t = i.fields.title;
          const open = !i.status || i.status === 'scheduled';
          return (
            <li key={i.id} className="schedule-item" data-testid={`scheduled-${i.id}`}>
              <div className="who">
                <strong className="name">{t}</strong>
                <span className="muted">
                  {instantToZoned(i.fields.startsAt, i.fields.timeZone).replace('T', ' ')} ({i.fields.timeZone}) · {i.fields.durationMin} min
                  {i.fields.topics.length > 0 && ` · ${i.fields.topics.join(', ')}`}
                </span>
              </div>
              <span className={`chip sync sync-${i.sync.state}`} data-testid="sync-state">{SYNC_TEXT[i.sync.state]}</span>
              {i.status && i.status !== 'scheduled' && <span className="chip">{i.status}</span>}
              <span className="muted" data-testid="reminders">{i.reminderCount} reminder{i.reminderCount === 1 ? '' : 's'}</span>
              {i.fields.ticketing && <span className="muted" data-testid="tickets">{i.ticketsIssued}/{i.fields.ticketing.count} tickets</span>}
              {i.sync.reason && <p className={`sync-reason ${i.sync.state === 'rejected' ? 'error' : 'muted'}`} data-testid="sync-reason">{reasonText(i.sync.reason)}</p>}
              {codes[i.id] && (
                <ul className="ticket-codes" aria-label={`Ticket codes for ${t}`}>
                  {codes[i.id]!.map((c) => <li key={c}><code>{c}</code></li>)}
                </ul>
              )}
              <div className="actions">
                <button type="button" className="secondary small" aria-label={`Edit ${t}`} onClick={() => { setEditing(i.id); setDraft(draftOf(i)); }} disabled={!open}>Edit</button>
                {i.fields.ticketing && open && (
                  <button type="button" className="secondary small" aria-label={`Issue a complimentary ticket code for ${t}`} onClick={() => void issueCode(i)}>Ticket code</button>
                )}
                <button type="button" className="secondary small" aria-label={`Delete ${t}`} onClick={() => void attempt(() => studio.deleteScheduled({ id: i.id }).then(refresh))}>Delete</button>
                {open && <button type="button" className="small" aria-label={`Start ${t}`} onClick={() => void attempt(async () => onStarted(await studio.startScheduled({ id: i.id })))}>Start</button>}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
