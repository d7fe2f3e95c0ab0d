import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../api';
import type { Run } from '../hooks/useRunner';

/** The producer's markers (issue 22): a chapter starts now; the host edits the titles after End. */
export function MarkChapter({ spaceId, busy, run }: { spaceId: string; busy: boolean; run: Run }) {
  const { t } = useTranslation();
  const [title, setTitle] = useState('');
  const [last, setLast] = useState<string | null>(null);
  return (
    <>
      <form
        className="row"
        aria-label={t('podcast.markTitle')}
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const name = title.trim();
            await studio.markChapter({ spaceId, ...(name ? { title: name } : {}) });
            setLast(name || t('podcast.mark'));
            setTitle('');
          });
        }}
      >
        <input aria-label={t('podcast.markLabel')} value={title} maxLength={120} onChange={(e) => setTitle(e.target.value)} placeholder={t('podcast.markPlaceholder')} />
        <button type="submit" disabled={busy}>
          {t('podcast.mark')}
        </button>
      </form>
      {last && (
        <p className="muted" role="status">
          {t('podcast.marked', { title: last })}
        </p>
      )}
    </>
  );
}
