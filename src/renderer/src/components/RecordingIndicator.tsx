import { useEffect, useState } from 'react';
import type { RecordingState } from '../../../shared/recording';
import { useTranslation } from 'react-i18next';
import { studio } from '../api';
import { errorText } from '../errors';

/**
 * Whether the Space is recorded (issue 12): a badge everyone on the Studio sees, and for the host
 * the switch (before or during the Space). The server decides who may switch it.
 */
export function RecordingIndicator({ spaceId, isHost, onError }: { spaceId: string; isHost: boolean; onError: (message: string) => void }) {
  const { t } = useTranslation();
  const [state, setState] = useState<RecordingState | null>(null);
  useEffect(() => {
    let alive = true;
    const off = studio.onRecordingState(({ state: s }) => s.spaceId === spaceId && setState(s));
    studio.getRecording({ spaceId }).then((s) => alive && setState(s), () => undefined);
    return () => {
      alive = false;
      off();
    };
  }, [spaceId]);
  const on = !!state?.on;
  return (
    <div className="recording-indicator" role="group" aria-label={t('recording.label')}>
      <span className={on ? 'badge badge-live' : 'badge'} data-testid="recording-state">
        {on ? (state?.availability === 'recording' ? t('recording.recording') : t('recording.willBe')) : t('recording.off')}
      </span>
      {isHost && (
        <button
          type="button"
          className="secondary"
          onClick={() =>
            void studio.setRecording({ spaceId, on: !on }).then(setState, (err: unknown) => onError(errorText(err)))
          }
        >
          {on ? t('recording.stop') : t('recording.start')}
        </button>
      )}
    </div>
  );
}
