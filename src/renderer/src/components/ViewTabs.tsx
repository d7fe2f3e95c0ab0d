import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

export const VIEWS = ['live', 'schedule', 'devices', 'settings', 'past'] as const;
export type View = (typeof VIEWS)[number];

/**
 * The Studio's views as tabs: arrows move between them (WAI-ARIA tabs pattern), and Alt+1..5
 * jumps to one from anywhere (shown on each tab).
 */
export function ViewTabs({ view, onView }: { view: View; onView: (v: View) => void }) {
  const { t } = useTranslation();
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const i = Number(e.code.replace('Digit', '')) - 1;
      if (i >= 0 && i < VIEWS.length) {
        e.preventDefault();
        onView(VIEWS[i]!);
        refs.current[i]?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onView]);
  return (
    <nav className="tabs" aria-label={t('views.label')}>
      <div role="tablist" aria-label={t('views.label')}>
        {VIEWS.map((v, i) => (
          <button
            key={v}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${v}`}
            aria-selected={view === v}
            aria-controls={`view-${v}`}
            aria-keyshortcuts={`Alt+${i + 1}`}
            aria-label={t(`views.${v}`)}
            tabIndex={view === v ? 0 : -1}
            className={view === v ? 'tab active' : 'tab'}
            onClick={() => onView(v)}
            onKeyDown={(e) => {
              const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
              if (!step) return;
              const next = (i + step + VIEWS.length) % VIEWS.length;
              onView(VIEWS[next]!);
              refs.current[next]?.focus();
            }}
          >
            {t(`views.${v}`)} <kbd aria-hidden="true">Alt+{i + 1}</kbd>
          </button>
        ))}
      </div>
    </nav>
  );
}
