import { REACTIONS } from '../../../shared/space';
import type { IncomingReaction } from '../hooks/usePeople';
import type { Run } from '../hooks/useRunner';
import { studio } from '../api';

/** Sends reactions to the Space and shows the ones arriving (each for a few seconds). */
export function Reactions({ spaceId, incoming, busy, run }: { spaceId: string; incoming: IncomingReaction[]; busy: boolean; run: Run }) {
  return (
    <div className="reactions">
      <div className="reaction-buttons" role="group" aria-label="React">
        {REACTIONS.map((reaction) => (
          <button
            key={reaction}
            type="button"
            className="reaction"
            disabled={busy}
            onClick={() => void run(async () => void (await studio.react({ spaceId, reaction })))}
          >
            {reaction}
          </button>
        ))}
      </div>
      <ul className="reaction-feed" aria-label="Reactions" aria-live="polite" data-testid="reaction-feed">
        {incoming.map((r) => (
          <li key={r.key} className="reaction-float">
            {r.count > 1 ? `${r.reaction} ×${r.count}` : `${r.displayName} ${r.reaction}`}
          </li>
        ))}
      </ul>
    </div>
  );
}
