import { useEffect, useState } from 'react';
import type { ConsoleEngine } from '../audio/consoleEngine';
import { ExternalInput } from '../audio/externalInput';
import { Meter } from '../components/Meter';
import { DEFAULT_PROFILE } from '../../../shared/devices';
import { inputIdByLabel, type DeviceInventoryState } from './useDeviceInventory';
import { useDeviceProfiles } from './useDeviceProfiles';

/**
 * The external input's strip (gain, mute, meter): another app's audio, played into the Studio's
 * virtual "External Input" device, mixed into the broadcast. Shown only where routing works.
 */
export function ExternalInputPanel({ engine, devices, onError }: { engine: ConsoleEngine; devices: DeviceInventoryState; onError: (m: string) => void }) {
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
      .catch((err: unknown) => onError(`External input: ${err instanceof Error ? err.message : String(err)}`));
    return () => {
      cancelled = true;
      opened?.close();
      setStrip(null);
    };
  }, [engine, deviceId, onError]);

  useEffect(() => strip?.setGainDb(gainDb), [strip, gainDb]);
  useEffect(() => strip?.setMuted(muted), [strip, muted]);
  // Its gain is remembered like any device's profile.
  useDeviceProfiles(strip && ext ? ext.sourceDescription : null, { ...DEFAULT_PROFILE, gainDb }, (p) => setGainDb(p.gainDb));

  if (!ext) return null;
  return (
    <section className="panel external-input" data-testid="external-input" aria-label="External input">
      <h2>External input</h2>
      <p className="muted">
        Play any app (music player, DAW, a call) to <strong>{ext.sinkDescription}</strong>: it goes into the broadcast.
      </p>
      {strip ? (
        <>
          <label>
            Gain <output data-testid="external-gain-db">{gainDb > 0 ? `+${gainDb}` : gainDb} dB</output>
            <input aria-label="External input gain" type="range" min={-24} max={24} step={1} value={gainDb} onChange={(e) => setGainDb(Number(e.target.value))} />
          </label>
          <button type="button" aria-pressed={muted} onClick={() => setMuted((m) => !m)}>
            {muted ? 'Unmute external input' : 'Mute external input'}
          </button>
          <Meter read={strip.levels} />
        </>
      ) : (
        <p className="muted">Waiting for the device (allow the microphone first).</p>
      )}
    </section>
  );
}
