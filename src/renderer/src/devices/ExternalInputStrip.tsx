import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsoleEngine } from '../audio/consoleEngine';
import { ExternalInput } from '../audio/externalInput';
import { Meter } from '../components/Meter';
import { Fader, Strip } from '../components/MixerPanel';
import { DEFAULT_PROFILE } from '../../../shared/devices';
import { inputIdByLabel, type DeviceInventoryState } from './useDeviceInventory';
import { useDeviceProfiles } from './useDeviceProfiles';
import { errorText } from '../errors';

/**
 * The external input's strip (gain, mute, meter): another app's audio, played into the Studio's
 * virtual "External Input" device, mixed into the broadcast. Shown only where routing works.
 */
export function ExternalInputStrip({ engine, devices, onError }: { engine: ConsoleEngine; devices: DeviceInventoryState; onError: (m: string) => void }) {
  const { t } = useTranslation();
  const ext = devices.inventory?.routing.externalInput ?? null;
  const deviceId = inputIdByLabel(devices, ext?.sourceDescription);
  const [strip, setStrip] = useState<ExternalInput | null>(null);
  const [gainDb, setGainDb] = useState(0);
  const [muted, setMuted] = useState(false);

  useEffect(() => {
    if (!deviceId) return;
    let cancelled = false;
    let opened: ExternalInput | null = null;
    ExternalInput.open(engine, deviceId)
      .then((s) => {
        if (cancelled) return s.close();
        opened = s;
        setStrip(s);
      })
      .catch((err: unknown) => onError(t('mixer.externalFailed', { reason: errorText(err) })));
    return () => {
      cancelled = true;
      opened?.close();
      setStrip(null);
    };
  }, [engine, deviceId, onError, t]);

  useEffect(() => strip?.setGainDb(gainDb), [strip, gainDb]);
  useEffect(() => strip?.setMuted(muted), [strip, muted]);
  // Its gain is remembered like any device's profile.
  useDeviceProfiles(strip && ext ? ext.sourceDescription : null, { ...DEFAULT_PROFILE, gainDb }, (p) => setGainDb(p.gainDb));

  if (!ext) return null;
  return (
    <Strip
      name={t('mixer.external')}
      region={t('mixer.externalRegion')}
      testId="external-input"
      meter={strip ? <Meter tap={strip.meter} label={t('mixer.externalLevel')} vertical /> : <div className="meter vertical placeholder" aria-hidden="true" />}
      fader={<Fader label={t('mixer.externalFader')} value={gainDb} onChange={setGainDb} testId="external-gain-db" />}
    >
      <button type="button" className="small" aria-pressed={muted} disabled={!strip} onClick={() => setMuted((m) => !m)}>
        {muted ? t('mixer.unmuteExternal') : t('mixer.muteExternal')}
      </button>
      <p className="muted small-print" title={t('mixer.externalHint', { sink: ext.sinkDescription })}>
        {strip ? t('mixer.externalTo', { sink: ext.sinkDescription }) : t('mixer.externalWaiting')}
      </p>
    </Strip>
  );
}
