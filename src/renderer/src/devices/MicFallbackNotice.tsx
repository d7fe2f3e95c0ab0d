import { useTranslation } from 'react-i18next';
import type { MicFallback } from './useMicFallback';

/** Says what happened to the microphone, and offers the way back in one click. */
export function MicFallbackNotice({ fallback }: { fallback: MicFallback }) {
  const { t } = useTranslation();
  const s = fallback.state;
  if (!s) return null;
  return (
    <div className="warning mic-fallback" role="status" data-testid="mic-fallback">
      {s.returned ? (
        <>
          <span>{t('devices.micBack', { label: s.lostLabel })}</span>{' '}
          <button type="button" onClick={fallback.switchBack}>
            {t('devices.switchBack', { label: s.lostLabel })}
          </button>
        </>
      ) : (
        <span>{t('devices.micLost', { label: s.lostLabel })}</span>
      )}
    </div>
  );
}
