import type { MonitorMode } from '../audio/consoleEngine';

export const MONITOR_MODES: { value: MonitorMode; label: string }[] = [
  { value: 'off', label: 'Monitor off (broadcast only)' },
  { value: 'monitor-only', label: 'Monitor only (not broadcast)' },
  { value: 'monitor-and-output', label: 'Monitor and output' },
];

/** A source's monitoring, as in OBS: where its sound goes (broadcast, headphones, both). */
export function MonitorModeSelect({ label, value, onChange }: { label: string; value: MonitorMode; onChange: (mode: MonitorMode) => void }) {
  return (
    <label>
      {label}
      <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value as MonitorMode)}>
        {MONITOR_MODES.map((m) => (
          <option key={m.value} value={m.value}>
            {m.label}
          </option>
        ))}
      </select>
    </label>
  );
}
