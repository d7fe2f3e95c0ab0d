import { useEffect, useRef } from 'react';
import type { Pad } from '../../../shared/soundboard';
import type { SoundboardPlayer } from './soundboardPlayer';
import { errorText } from '../errors';

/** Keys that mean "typing", where a pad key must not fire. */
const TYPING = /^(INPUT|SELECT|TEXTAREA)$/;

/**
 * The pad keys: one capture-phase keydown listener on the window, registered once. On a pad's
 * key it starts the pad and does nothing else: the pad is found in a map prepared when the pads
 * change, no React state is touched (the player tells the UI afterwards, from its own task), so
 * the keystroke's path to the audio graph is as short as the browser's own.
 */
export function useSoundboardKeys(player: SoundboardPlayer, pads: readonly Pad[], onError: (message: string) => void): void {
  const state = useRef({ byKey: new Map<string, Pad>(), pads, onError });
  state.current.pads = pads;
  state.current.onError = onError;
  state.current.byKey = new Map(pads.filter((p) => p.hotkey).map((p) => [p.hotkey!, p]));
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.repeat || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = e.target as HTMLElement | null;
      if (target && (TYPING.test(target.tagName) || target.isContentEditable)) return;
      const s = state.current;
      if (e.key === 'Escape') return player.stopAll(s.pads);
      const pad = s.byKey.get(e.key.length === 1 ? e.key.toLowerCase() : e.key);
      if (!pad) return;
      e.preventDefault();
      try {
        player.trigger(pad, s.pads);
      } catch (err) {
        s.onError(errorText(err));
      }
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [player]);
}
