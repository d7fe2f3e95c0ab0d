import { useEffect, useRef, useState } from 'react';

const FLOOR_DB = -60;
const pct = (db: number): number => Math.max(0, Math.min(100, ((db - FLOOR_DB) / -FLOOR_DB) * 100));

/** Peak/RMS meter with a 1.5 s peak hold, read from the audio graph once per frame. */
export function Meter({ read }: { read: (() => { peakDb: number; rmsDb: number }) | null }) {
  const [levels, setLevels] = useState({ peakDb: -Infinity, rmsDb: -Infinity, holdDb: -Infinity });
  const hold = useRef({ db: -Infinity, at: 0 });
  useEffect(() => {
    if (!read) return setLevels({ peakDb: -Infinity, rmsDb: -Infinity, holdDb: -Infinity });
    let frame = 0;
    const tick = (): void => {
      const l = read();
      const now = performance.now();
      if (l.peakDb >= hold.current.db || now - hold.current.at > 1500) hold.current = { db: l.peakDb, at: now };
      setLevels({ ...l, holdDb: hold.current.db });
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [read]);
  const clip = levels.holdDb >= -0.1;
  const rms = Number.isFinite(levels.rmsDb) ? Math.round(levels.rmsDb) : FLOOR_DB;
  return (
    <div className="meter" role="meter" aria-label="Input level" aria-valuemin={FLOOR_DB} aria-valuemax={0} aria-valuenow={rms} data-peak-db={levels.peakDb.toFixed(1)}>
      <div className="meter-rms" style={{ width: `${pct(levels.rmsDb)}%` }} />
      <div className="meter-peak" style={{ width: `${pct(levels.peakDb)}%` }} />
      <div className={clip ? 'meter-hold clip' : 'meter-hold'} style={{ left: `${pct(levels.holdDb)}%` }} />
      <span className="meter-label">{Number.isFinite(levels.peakDb) ? `${levels.peakDb.toFixed(1)} dB` : '−∞ dB'}</span>
    </div>
  );
}
