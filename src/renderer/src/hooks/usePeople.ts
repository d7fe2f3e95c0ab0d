import { useCallback, useEffect, useRef, useState } from 'react';
import type { IpcEventPayload } from '../../../shared/ipc';
import type { Roster, SelfState } from '../../../shared/space';
import { studio } from '../api';
import { withSpeaking } from '../people';

/** How long an incoming reaction stays on screen. */
export const REACTION_MS = 4000;
const MAX_REACTIONS = 12;

/** A reaction on screen: one person's, or a busy window's count of one kind (`count` > 1). */
export type IncomingReaction = { spaceId: string; displayName: string; reaction: IpcEventPayload<'onReaction'>['reaction']; count: number; key: number };

export interface People {
  roster: Roster | null;
  self: SelfState | null;
  reactions: IncomingReaction[];
  /** Forgets everything: the Space ended or a new one is being created. */
  reset: () => void;
}

/**
 * The people in the open Space: the roster, this Studio's own state in it, who is speaking
 * (applied to the roster until the next roster arrives) and recent reactions.
 *
 * Events are kept whatever their Space and only shown for `spaceId`: creating a Space delivers
 * its first roster before `createSpace` resolves with the Space's id.
 */
export function usePeople(spaceId: string | null): People {
  const [roster, setRoster] = useState<Roster | null>(null);
  const [self, setSelf] = useState<SelfState | null>(null);
  const [reactions, setReactions] = useState<IncomingReaction[]>([]);
  const nextKey = useRef(0);

  useEffect(() => {
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const show = (r: Omit<IncomingReaction, 'key'>): void => {
      const key = nextKey.current++;
      setReactions((list) => [...list.slice(1 - MAX_REACTIONS), { ...r, key }]);
      const timer = setTimeout(() => {
        timers.delete(timer);
        setReactions((list) => list.filter((x) => x.key !== key));
      }, REACTION_MS);
      timers.add(timer);
    };
    const offs = [
      studio.onRoster((e) => setRoster(e.roster)),
      studio.onSelf((e) => setSelf(e.self)),
      studio.onSpeaking((e) => setRoster((r) => withSpeaking(r, e))),
      studio.onReaction((e) => show({ spaceId: e.spaceId, displayName: e.displayName, reaction: e.reaction, count: 1 })),
      studio.onReactionCounts((e) => {
        for (const c of e.counts) show({ spaceId: e.spaceId, displayName: '', reaction: c.reaction, count: c.count });
      }),
    ];
    return () => {
      offs.forEach((off) => off());
      timers.forEach(clearTimeout);
    };
  }, []);

  const reset = useCallback(() => {
    setRoster(null);
    setSelf(null);
    setReactions([]);
  }, []);

  return {
    roster: spaceId !== null && roster?.spaceId === spaceId ? roster : null,
    self: spaceId !== null && self?.spaceId === spaceId ? self : null,
    reactions: spaceId === null ? [] : reactions.filter((r) => r.spaceId === spaceId),
    reset,
  };
}
