import { i18next } from '../i18n';
import { useEffect, useRef, useState } from 'react';
import { ConsoleEngine } from '../audio/consoleEngine';
import { InputStrip, type InputSettings, DEFAULT_INPUT } from '../audio/inputStrip';
import { SoundboardPlayer } from '../audio/soundboardPlayer';
import { errorText } from '../errors';

/**
 * Owns the console's audio graph for the lifetime of the window: the engine, the microphone strip
 * (re-opened when a capture setting changes) and the soundboard player.
 */
export function useConsole(deviceId: string | null, onError: (message: string) => void) {
  const [engine] = useState(() => new ConsoleEngine());
  const [player] = useState(() => new SoundboardPlayer(engine));
  const [strip, setStrip] = useState<InputStrip | null>(null);
  const [input, setInput] = useState<InputSettings>({ ...DEFAULT_INPUT, deviceId });
  const onErrorRef = useRef(onError);
  onErrorRef.current = onError;

  useEffect(() => setInput((cur) => (cur.deviceId === deviceId ? cur : { ...cur, deviceId })), [deviceId]);

  // Capture settings (device, channels, processing) need a new getUserMedia; the rest is live.
  const { echoCancellation, noiseSuppression, autoGainControl, channel } = input;
  useEffect(() => {
    let cancelled = false;
    let opened: InputStrip | null = null;
    const settings = { ...input };
    InputStrip.open(engine, settings)
      .then((s) => {
        if (cancelled) return s.close();
        opened = s;
        setStrip(s);
      })
      .catch((err: unknown) => onErrorRef.current(i18next.t('errors.microphone', { reason: errorText(err) })));
    return () => {
      cancelled = true;
      opened?.close();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- gain and monitor mode apply live
  }, [engine, input.deviceId, echoCancellation, noiseSuppression, autoGainControl, channel]);

  useEffect(() => () => void engine.close(), [engine]);

  /** Live changes go straight to the open strip; capture changes re-open it (effect above). */
  const update = (patch: Partial<InputSettings>): void => {
    if (patch.gainDb !== undefined) strip?.setGainDb(patch.gainDb);
    if (patch.monitorMode !== undefined) strip?.setMonitorMode(patch.monitorMode);
    setInput((cur) => ({ ...cur, ...patch }));
  };

  return { engine, player, strip, input, update };
}
