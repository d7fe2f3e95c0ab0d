import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { LevelTap } from '../audio/levelTap';

const FLOOR_DB = -60;
const pct = (db: number): number => Math.max(0, Math.min(100, ((db - FLOOR_DB) / -FLOOR_DB) * 100));

/**
 * Peak/RMS meter with a 1.5 s peak hold. The levels are computed in an AudioWorklet; each report
 * (~30 a second) updates the DOM directly, without a React render, so the main thread stays free
 * for the soundboard's keys. The value is exposed as an ARIA meter (RMS, dBFS).
 */
export function Meter({ tap, label, vertical = false }: { tap: LevelTap | null; label: string; vertical?: boolean }) {
  const { t } = useTranslation();
  const root = useRef<HTMLDivElement>(null);
  const rmsBar = useRef<HTMLDivElement>(null);
  const peakBar = useRef<HTMLDivElement>(null);
  const holdMark = useRef<HTMLDivElement>(null);
  const text = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const hold = { db: -Infinity, at: 0 };
    const size = vertical ? 'height' : 'width';
    const edge = vertical ? 'bottom' : 'left';
    const show = (l: { peakDb: number; rmsDb: number }): void => {
      const now = performance.now();
      if (l.peakDb >= hold.db || now - hold.at > 1500) Object.assign(hold, { db: l.peakDb, at: now });
      rmsBar.current?.style.setProperty(size, `${pct(l.rmsDb)}%`);
      peakBar.current?.style.setProperty(size, `${pct(l.peakDb)}%`);
      holdMark.current?.style.setProperty(edge, `${pct(hold.db)}%`);
      holdMark.current?.classList.toggle('clip', hold.db >= -0.1);
      const el = root.current;
      if (el) {
        const rms = Number.isFinite(l.rmsDb) ? Math.round(l.rmsDb) : FLOOR_DB;
        el.setAttribute('aria-valuenow', String(rms));
        el.setAttribute('aria-valuetext', Number.isFinite(l.rmsDb) ? `${rms} dBFS` : t('meter.silence'));
        el.dataset.peakDb = l.peakDb.toFixed(1);
      }
      if (text.current) text.current.textContent = Number.isFinite(l.peakDb) ? l.peakDb.toFixed(0) : '−∞';
    };
    show(tap?.levels() ?? { peakDb: -Infinity, rmsDb: -Infinity });
    return tap?.subscribe(show);
  }, [tap, vertical, t]);
  return (
    <div
      ref={root}
      className={vertical ? 'meter vertical' : 'meter'}
      role="meter"
      aria-label={label}
      aria-valuemin={FLOOR_DB}
      aria-valuemax={0}
      aria-valuenow={FLOOR_DB}
      data-peak-db="-Infinity"
    >
      <div ref={rmsBar} className="meter-rms" />
      <div ref={peakBar} className="meter-peak" />
      <div ref={holdMark} className="meter-hold" />
      <span ref={text} className="meter-label" aria-hidden="true" />
    </div>
  );
}
