import { useTranslation } from 'react-i18next';
import type { MonitorMode } from '../audio/consoleEngine';

export const MONITOR_MODES: readonly MonitorMode[] = ['off', 'monitor-only', 'monitor-and-output'];

/** A source's monitoring, as in OBS: where its sound goes (broadcast, headphones, both). */
export function MonitorModeSelect({ label, value, onChange }: { label: string; value: MonitorMode; onChange: (mode: MonitorMode) => void }) {
  const { t } = useTranslation();
  return (
    <select className="monitor-mode" aria-label={label} title={label} value={value} onChange={(e) => onChange(e.target.value as MonitorMode)}>
      {MONITOR_MODES.map((m) => (
        <option key={m} value={m}>
          {t(`monitor.${m}`)}
        </option>
      ))}
    </select>
  );
}
