import { useTranslation } from 'react-i18next';
import { useEffect, useRef, useState } from 'react';
import type { DiskInfo, ExportResult, TakeInfo } from '../../../shared/multitrack';
import type { Role } from '../../../shared/space';
import { uploadsTakes } from '../../../shared/roles';
import { studio } from '../api';
import type { ConsoleEngine } from '../audio/consoleEngine';
import type { SoundboardPlayer } from '../audio/soundboardPlayer';
import { TakeTap } from './takeTap';
import { errorText, Sentence } from '../errors';

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}


/**
 * The Record control (issue 13), separate from the Space's public recording: a lossless local
 * take of your microphone (as captured), the program mix and the stage return. How many minutes
 * fit is shown before you start; under 10 minutes it warns, at a full disk the take stops by
 * itself. A co-host or speaker's mic is uploaded to the Space server while recording, so the
 * host's export has everyone's lossless voice. Takes cut short by a crash are listed as recovered.
 */
export function RecordPanel({ engine, player, mic, spaceId, role }: { engine: ConsoleEngine; player: SoundboardPlayer; mic: MediaStreamTrack | null; spaceId: string | null; role: Role | undefined }) {
  const { t, t: tr } = useTranslation();
  const [tap] = useState(() => new TakeTap(engine));
  const [takes, setTakes] = useState<TakeInfo[]>([]);
  const [disk, setDisk] = useState<DiskInfo | null>(null);
  const [current, setCurrent] = useState<string | null>(null);
  const [exported, setExported] = useState<Record<string, ExportResult>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const currentRef = useRef<string | null>(null);

  useEffect(() => {
    const upsert = (t: TakeInfo): void => setTakes((cur) => [t, ...cur.filter((x) => x.id !== t.id)].sort((a, b) => b.startedAt - a.startedAt));
    const offs = [
      studio.onTake((t) => {
        upsert(t);
        // Stopped by main (disk full, no audio): stop the tap too.
        if (t.id === currentRef.current && t.status !== 'recording') {
          currentRef.current = null;
          setCurrent(null);
          void tap.stop();
        }
      }),
      studio.onDisk(setDisk),
    ];
    void studio.getTakes({}).then((v) => {
      setTakes(v.takes);
      setDisk(v.disk);
    });
    // Pads fired during a take become markers, at the moment they started.
    const offPads = player.onFire((pad) => {
      const takeId = currentRef.current;
      if (takeId) void studio.takeMarker({ takeId, kind: 'pad', label: pad.name, at: performance.timeOrigin + performance.now() }).catch(() => undefined);
    });
    const refresh = setInterval(() => void studio.getTakes({}).then((v) => setDisk(v.disk)).catch(() => undefined), 10_000);
    return () => {
      offs.forEach((off) => off());
      offPads();
      clearInterval(refresh);
      void tap.stop();
    };
  }, [tap, player]);

  const run = async (f: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const record = (): Promise<void> =>
    run(async () => {
      if (!mic) throw new Sentence(tr('take.openMicFirst'));
      // Chunks that arrive before main has opened the take wait here, in order.
      const early: Parameters<Parameters<TakeTap['start']>[1]>[0][] = [];
      let takeId: string | null = null;
      const send = (c: (typeof early)[number], id: string): void => void studio.takeAudio({ takeId: id, track: c.track, pcm: c.pcm, ...(c.at !== undefined ? { at: c.at } : {}) }).catch(() => undefined);
      const tracks = await tap.start(mic, (c) => (takeId ? send(c, takeId) : early.push(c)));
      try {
        const take = await studio.startTake({ spaceId, tracks, upload: !!spaceId && uploadsTakes(role) });
        takeId = take.id;
        for (const c of early.splice(0)) send(c, take.id);
        currentRef.current = take.id;
        setCurrent(take.id);
      } catch (err) {
        await tap.stop();
        throw err;
      }
    });

  const stop = (): Promise<void> =>
    run(async () => {
      const id = currentRef.current;
      if (!id) return;
      await tap.stop();
      currentRef.current = null;
      setCurrent(null);
      await studio.stopTake({ takeId: id, micStartedAt: tap.micStartedAt ?? undefined });
    });

  const recording = takes.find((t) => t.id === current);
  return (
    <section className="panel" aria-label={t('take.label')}>
      <h2>{t('take.title')}</h2>
      {disk && (
        <p className={disk.low ? 'warning' : 'muted'} data-testid="take-disk">
          {disk.low ? t('take.lowDisk') : ''}
          {t('take.minutesFit', { n: Math.floor(disk.minutesLeft) })}
        </p>
      )}
      {current ? (
        <button type="button" className="end" onClick={() => void stop()} disabled={busy}>
          {t('take.stop')}
        </button>
      ) : (
        <button type="button" onClick={() => void record()} disabled={busy || !mic}>
          {t('take.record')}
        </button>
      )}
      {recording && (
        <p data-testid="take-elapsed">
          {t('take.recording', { clock: clock(recording.durationMs) })}
          {recording.upload ? ` · ${t('take.upload', { state: recording.upload.state })} ${Math.floor(recording.upload.sentBytes / 1024)} KiB` : ''}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <ul aria-label={t('take.takes')} className="takes">
        {takes.map((t) => (
          <li key={t.id} data-testid={`take-${t.id}`} data-status={t.status}>
            <span>
              {new Date(t.startedAt).toLocaleTimeString()} · {clock(t.durationMs)} · {tr(`take.status.${t.status}`)}
              {t.upload && t.status !== 'recording' ? ` · ${tr('take.upload', { state: t.upload.state })}` : ''}
            </span>
            {t.message && <span className="muted take-message"> — {t.message}</span>}
            {t.status !== 'recording' && (
              <button type="button" className="secondary" disabled={busy} onClick={() => void run(async () => {
                const r = await studio.exportTake({ takeId: t.id });
                setExported((cur) => ({ ...cur, [t.id]: r }));
              })}>
                {tr('take.export')}
              </button>
            )}
            {exported[t.id] && (
              <span className="muted" data-testid="take-export">
                {' '}
                {tr('take.exported', { folder: exported[t.id]!.folder, zip: exported[t.id]!.zip })}
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
