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

  return (
    <section className="panel schedule" aria-label="Scheduled Spaces">
      <h2>Scheduled Spaces</h2>
      <p className="muted" data-testid="schedule-sync">
        {sync ? `${sync.state}${sync.pending ? `, ${sync.pending} edit(s) waiting` : ''}${sync.error ? ` (${sync.error})` : ''}` : '…'}{' '}
        <button type="button" onClick={() => void attempt(async () => setSync(await studio.syncNow({})))}>Sync now</button>
      </p>
      {error && <p className="error" role="alert">{error}</p>}
      <form onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <label>Title <input value={draft.title} maxLength={120} onChange={set('title')} /></label>
        <label>Starts <input type="datetime-local" value={draft.when} onChange={set('when')} /></label>
        <label>Time zone <input value={draft.timeZone} onChange={set('timeZone')} /></label>
        <label>Minutes <input type="number" min={5} value={draft.durationMin} onChange={set('durationMin')} /></label>
        <label>Description <textarea value={draft.description} onChange={set('description')} /></label>
        <label>Topics <input value={draft.topics} onChange={set('topics')} placeholder="comma separated" /></label>
        <label>Co-hosts <input value={draft.cohosts} onChange={set('cohosts')} placeholder="handles" /></label>
        <label>Speakers <input value={draft.speakers} onChange={set('speakers')} placeholder="handles" /></label>
        <label><input type="checkbox" checked={draft.ticketed} onChange={set('ticketed')} /> Ticketed</label>
        {draft.ticketed && (
          <>
            <label>Price <input type="number" min={0} step="0.01" value={draft.price} onChange={set('price')} /></label>
            <label>Tickets <input type="number" min={1} value={draft.count} onChange={set('count')} /></label>
          </>
        )}
        <label>Soundboard set <input value={draft.soundboardSetId} onChange={set('soundboardSetId')} /></label>
        <label>Private notes <textarea value={draft.notes} onChange={set('notes')} /></label>
        <button type="submit" disabled={!draft.title.trim()}>{editing ? 'Save changes' : 'Schedule'}</button>
        {editing && <button type="button" onClick={() => { setEditing(null); setDraft(emptyDraft()); }}>Cancel edit</button>}
      </form>
      <label>Search <input value={query} onChange={(e) => setQuery(e.target.value)} /></label>
      <label>
        Remind me (minutes before)
        <input type="number" min={0} value={lead} onChange={(e) => void attempt(async () => setLead((await studio.updateScheduleSettings({ reminderLeadMin: Number(e.target.value) })).reminderLeadMin))} />
      </label>
      <ul>
        {items.map((i) => (
          <li key={i.id} data-testid={`scheduled-${i.id}`}>
            <strong>{i.fields.title}</strong> {instantToZoned(i.fields.startsAt, i.fields.timeZone).replace('T', ' ')} ({i.fields.timeZone}){' '}
            <span className={`sync sync-${i.sync.state}`}>{SYNC_TEXT[i.sync.state]}</span>
            {i.sync.reason && <span className="muted"> — {i.sync.reason}</span>}
            {i.reminderCount > 0 && <span> · {i.reminderCount} reminder(s)</span>}
            {i.fields.ticketing && <span> · {i.ticketsIssued}/{i.fields.ticketing.count} tickets</span>}{' '}
            <button type="button" onClick={() => { setEditing(i.id); setDraft(draftOf(i)); }}>Edit</button>
            <button type="button" onClick={() => void attempt(() => studio.deleteScheduled({ id: i.id }).then(refresh))}>Delete</button>
            <button type="button" onClick={() => void attempt(async () => onStarted(await studio.startScheduled({ id: i.id })))}>Start</button>
          </li>
        ))}
      </ul>
    </section>
  );
}
