import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Episode } from '../../../shared/podcast';
import { formatClock } from '../../../shared/intl';
import { studio } from '../api';
import type { Run } from '../hooks/useRunner';

/**
 * After End (issue 22): publish the replay in the podcast feed or not, the show notes, and the
 * chapters' titles (the producer's markers and the speaker changes, at their places on the replay).
 */
export function EpisodeEditor({ spaceId, busy, run, onSaved }: { spaceId: string; busy: boolean; run: Run; onSaved?: (e: Episode) => void }) {
  const { t, i18n } = useTranslation();
  const [ep, setEp] = useState<Episode | null>(null);
  const [published, setPublished] = useState(false);
  const [notes, setNotes] = useState('');
  const [titles, setTitles] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const show = (e: Episode): void => {
    setEp(e);
    setPublished(e.published);
    setNotes(e.showNotes);
    setTitles(Object.fromEntries(e.chapters.map((c) => [c.id, c.title])));
  };
  useEffect(() => {
    setEp(null);
    setSaved(false);
    void run(async () => show(await studio.getEpisode({ spaceId })));
  }, [run, spaceId]);
  if (!ep) return null;
  return (
    <section className="panel episode" aria-label={t('podcast.episode')}>
      <h2>
        {t('podcast.episode')}: {ep.title}
      </h2>
      <p className="muted">{t('podcast.duration', { clock: formatClock(ep.durationMs, i18n.language) })}</p>
      <form
        aria-label={t('podcast.episode')}
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const next = await studio.updateEpisode({
              spaceId,
              published,
              showNotes: notes,
              chapters: ep.chapters.filter((c) => titles[c.id]?.trim() && titles[c.id] !== c.title).map((c) => ({ id: c.id, title: titles[c.id]!.trim() })),
            });
            show(next);
            setSaved(true);
            onSaved?.(next);
          });
        }}
      >
        <label className="check">
          <input type="checkbox" checked={published} disabled={!ep.hasReplay} onChange={(e) => (setPublished(e.target.checked), setSaved(false))} />
          {t('podcast.publish')}
        </label>
        {!ep.hasReplay && <p className="muted">{t('podcast.noReplay')}</p>}
        {ep.hasReplay && <p className="muted">{t('podcast.publicNote')}</p>}
        <p>
          {t('podcast.feed')}: <code data-testid="feed-url">{ep.feedUrl}</code>
        </p>
        <label>
          {t('podcast.showNotes')}
          <textarea aria-label={t('podcast.showNotes')} value={notes} maxLength={8000} rows={5} onChange={(e) => (setNotes(e.target.value), setSaved(false))} />
        </label>
        <p className="muted">{t('podcast.showNotesHint')}</p>
        <h3>{t('podcast.chapters')}</h3>
        {ep.chapters.length === 0 && <p className="muted">{t('podcast.noChapters')}</p>}
        <ol className="chapters">
          {ep.chapters.map((c) => {
            const at = formatClock(c.startMs, i18n.language);
            return (
              <li key={c.id}>
                <span className="at">{at}</span>
                <input aria-label={t('podcast.chapterTitle', { at })} value={titles[c.id] ?? ''} maxLength={120} onChange={(e) => (setTitles((x) => ({ ...x, [c.id]: e.target.value })), setSaved(false))} />
                <span className="muted">{t(`podcast.kinds.${c.kind}`)}</span>
              </li>
            );
          })}
        </ol>
        <div className="row">
          <button type="submit" disabled={busy}>
            {t('podcast.save')}
          </button>
          {saved && (
            <span role="status" className="muted">
              {t('podcast.saved')}
            </span>
          )}
        </div>
      </form>
    </section>
  );
}
