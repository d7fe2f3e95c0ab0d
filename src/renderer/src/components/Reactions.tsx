import { useTranslation } from 'react-i18next';
import { REACTIONS } from '../../../shared/space';
import type { IncomingReaction } from '../hooks/usePeople';
import type { Run } from '../hooks/useRunner';
import { studio } from '../api';
import { ReactionGlyph } from './ReactionGlyph';

/** Sends reactions to the Space and shows the ones arriving (each for a few seconds). */
export function Reactions({ spaceId, incoming, busy, run }: { spaceId: string; incoming: IncomingReaction[]; busy: boolean; run: Run }) {
  const { t } = useTranslation();
  return (
    <div className="reactions">
      <div className="reaction-buttons" role="group" aria-label={t('people.react')}>
        {REACTIONS.map((reaction) => (
          <button
            key={reaction}
            type="button"
            className="reaction"
            disabled={busy}
            aria-label={t('people.reactWith', { reaction })}
            onClick={() => void run(async () => void (await studio.spaceAction({ type: 'reaction.send', params: { spaceId, reaction } })))}
          >
            <ReactionGlyph reaction={reaction} />
          </button>
        ))}
      </div>
      <ul className="reaction-feed" aria-label={t('people.reactions')} aria-live="polite" data-testid="reaction-feed">
        {incoming.map((r) => (
          <li key={r.key} className="reaction-float">
            {r.count > 1 ? (
              <>
                <ReactionGlyph reaction={r.reaction} /> ×{r.count}
              </>
            ) : (
              <>
                {r.displayName} <ReactionGlyph reaction={r.reaction} />
              </>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
