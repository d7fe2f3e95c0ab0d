import type { MicFallback } from './useMicFallback';

/** Says what happened to the microphone, and offers the way back in one click. */
export function MicFallbackNotice({ fallback }: { fallback: MicFallback }) {
  const s = fallback.state;
  if (!s) return null;
  return (
    <div className="warning mic-fallback" role="status" data-testid="mic-fallback">
      {s.returned ? (
        <>
          <span>
            “{s.lostLabel}” is back. You are still on the system default input.
          </span>{' '}
          <button type="button" onClick={fallback.switchBack}>
            Switch back to {s.lostLabel}
          </button>
        </>
      ) : (
        <span>
          “{s.lostLabel}” was disconnected. The Studio switched to the system default input; your Space continues.
        </span>
      )}
    </div>
  );
}
