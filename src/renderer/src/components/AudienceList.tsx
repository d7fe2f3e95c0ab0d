import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Member } from '../../../shared/space';
import { studio } from '../api';
import { SectionHead } from './PeoplePanel';
import { errorText } from '../errors';

const PAGE = 50;

/**
 * The audience as staff see it: the newest listeners as pushed with the roster, and for a big
 * room a search and "Show more" that page through the server (`audience.list`); the server
 * never pushes thousands of names (issue 11).
 */
export function AudienceList({ spaceId, newest, searchable, children }: { spaceId: string; newest: Member[]; searchable: boolean; children: (m: Member) => ReactNode }) {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [paged, setPaged] = useState<{ members: Member[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);

  // A new search starts from the first page (after a short pause in typing).
  useEffect(() => {
    if (!query.trim()) {
      setPaged(null);
      return;
    }
    const timer = setTimeout(() => {
      studio.listAudience({ spaceId, query, offset: 0, limit: PAGE }).then(
        (r) => {
          setError(null);
          setPaged({ members: r.members, total: r.total });
        },
        (e: unknown) => setError(errorText(e)),
      );
    }, 200);
    return () => clearTimeout(timer);
  }, [spaceId, query]);

  const shown = paged?.members ?? newest;
  const more = async (): Promise<void> => {
    try {
      const r = await studio.listAudience({ spaceId, query, offset: shown.length, limit: PAGE });
      setError(null);
      // Newest-first pages shift while people join: drop anyone already shown.
      const seen = new Set(shown.map((m) => m.id));
      setPaged({ members: [...shown, ...r.members.filter((m) => !seen.has(m.id))], total: r.total });
    } catch (e) {
      setError(errorText(e));
    }
  };
  const total = paged?.total;
  const mayHaveMore = searchable && (total === undefined ? newest.length >= PAGE : shown.length < total);

  // Only staff get the audience list (the server sends nobody else names).
  if (!searchable && newest.length === 0) return null;
  return (
    <>
      <SectionHead title={t('people.audience')} count={total === undefined ? String(newest.length) + (newest.length >= PAGE ? '+' : '') : `${shown.length}/${total}`} />
      {searchable && (
        <input type="search" className="audience-search" aria-label={t('people.searchAudience')} placeholder={t('people.searchPlaceholder')} value={query} onChange={(e) => setQuery(e.target.value)} />
      )}
      <ul className="people-list" aria-label={t('people.audience')}>
        {shown.map((m) => children(m))}
      </ul>
      {shown.length === 0 && <p className="muted empty">{query.trim() ? t('people.noAudienceMatch') : t('people.noAudience')}</p>}
      {mayHaveMore && (
        <button type="button" className="secondary" onClick={() => void more()}>
          {t('people.showMore')}
        </button>
      )}
      {error && <p role="alert">{error}</p>}
    </>
  );
}
