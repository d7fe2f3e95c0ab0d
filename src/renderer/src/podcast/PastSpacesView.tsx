import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PastSpace } from '../../../shared/podcast';
import { formatDateTime } from '../../../shared/intl';
import { studio } from '../api';
import type { Run } from '../hooks/useRunner';
import { AnalyticsPanel } from './AnalyticsPanel';
import { EpisodeEditor } from './EpisodeEditor';

/**
 * The host's ended Spaces (issue 22): pick one to edit it as an episode (publish, show notes,
 * chapters) and see who listened. `focus`: the Space that just ended, opened at once.
 */
export function PastSpacesView({ active, focus, signedIn, busy, run }: { active: boolean; focus: string | null; signedIn: boolean; busy: boolean; run: Run }) {
  const { t, i18n } = useTranslation();
  const [spaces, setSpaces] = useState<PastSpace[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const load = useCallback(() => run(async () => setSpaces(await studio.listPastSpaces({}))), [run]);
  useEffect(() => {
    if (active && signedIn) void load();
  }, [active, signedIn, load]);
  useEffect(() => {
    if (focus) setSelected(focus);
  }, [focus]);
  if (!signedIn) return <p className="muted panel">{t('podcast.signInFirst')}</p>;
  return (
    <div className="past">
      <section className="panel past-list" aria-label={t('podcast.list')}>
        <h2>{t('podcast.region')}</h2>
        {spaces?.length === 0 && <p className="muted">{t('podcast.none')}</p>}
        <ul>
          {spaces?.map((s) => (
            <li key={s.spaceId}>
              <button type="button" className={s.spaceId === selected ? 'secondary active' : 'secondary'} aria-pressed={s.spaceId === selected} aria-label={t('podcast.open', { title: s.title })} onClick={() => setSelected(s.spaceId)}>
                {s.title}
              </button>{' '}
              <span className="muted">
                {s.endedAt !== null && formatDateTime(s.endedAt, i18n.language)}
                {s.published && ` · ${t('podcast.published')}`}
              </span>
            </li>
          ))}
        </ul>
      </section>
      {selected && (
        <>
          <EpisodeEditor spaceId={selected} busy={busy} run={run} onSaved={() => void load()} />
          <AnalyticsPanel spaceId={selected} busy={busy} run={run} />
        </>
      )}
    </div>
  );
}
