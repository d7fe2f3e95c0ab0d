import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CuePad } from '../../../shared/signaling';
import type { IpcEventPayload } from '../../../shared/ipc';
import { studio } from '../api';
import type { Run } from '../hooks/useRunner';

type Note = IpcEventPayload<'onStaffNote'>;

export interface StaffDesk {
  spaceId: string | null;
  pads: CuePad[];
  notes: Note[];
}

/**
 * Always subscribed (not only while the panel shows): the host's pads arrive at the moment we
 * become staff, before the panel is on screen.
 */
export function useStaffDesk(): StaffDesk {
  const [desk, setDesk] = useState<StaffDesk>({ spaceId: null, pads: [], notes: [] });
  useEffect(() => {
    const offs = [
      studio.onStaffPads((e) => setDesk((d) => ({ ...d, spaceId: e.spaceId, pads: e.pads }))),
      studio.onStaffNote((e) => setDesk((d) => ({ ...d, notes: [...d.notes.slice(-49), e] }))),
    ];
    return () => offs.forEach((off) => off());
  }, []);
  return desk;
}

/**
 * For the people running the show (host, co-hosts, producers): cue the host's pads from another
 * machine, and private notes that listeners never see.
 */
export function StaffPanel({ spaceId, isHost, desk, busy, run, extra }: { spaceId: string; isHost: boolean; desk: StaffDesk; busy: boolean; run: Run; extra?: ReactNode }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const pads = desk.spaceId === spaceId ? desk.pads : [];
  const notes = desk.notes.filter((n) => n.spaceId === spaceId);

  return (
    <section className="panel staff" aria-label={t('staff.region')}>
      <h2>{t('staff.region')}</h2>
      {!isHost && (
        <>
          <h3>{t('staff.cueTitle')}</h3>
          {pads.length === 0 && <p className="muted">{t('staff.noPads')}</p>}
          <div className="row">
            {pads.map((pad) => (
              <button key={pad.id} type="button" className="secondary" style={{ borderColor: pad.colour }} disabled={busy} onClick={() => void run(async () => void (await studio.spaceAction({ type: 'staff.cue', params: { spaceId, padId: pad.id } })))}>
                {t('staff.cue', { name: pad.name })}
              </button>
            ))}
          </div>
        </>
      )}
      {extra}
      <h3>{t('staff.notes')}</h3>
      <ul className="notes" aria-label={t('staff.notesList')}>
        {notes.map((n) => (
          <li key={`${n.at}-${n.from}-${n.text}`}>
            <strong>{n.from}</strong>: {n.text}
          </li>
        ))}
      </ul>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await studio.spaceAction({ type: 'staff.note', params: { spaceId, text } });
            setText('');
          });
        }}
      >
        <input aria-label={t('staff.note')} value={text} maxLength={500} onChange={(e) => setText(e.target.value)} placeholder={t('staff.notePlaceholder')} />
        <button type="submit" disabled={busy || !text.trim()}>
          {t('staff.send')}
        </button>
      </form>
    </section>
  );
}
