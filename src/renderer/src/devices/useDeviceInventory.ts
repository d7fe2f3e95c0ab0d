import { useCallback, useEffect, useMemo, useState } from 'react';
import { matchDevices, type BrowserDevice, type DeviceChange, type DeviceInventory, type MatchedDevice } from '../../../shared/devices';
import { studio } from '../api';

export interface DeviceInventoryState {
  /** The OS inventory from the main process (null until the first answer). */
  inventory: DeviceInventory | null;
  /** The browser's audio devices (enumerateDevices). */
  browser: BrowserDevice[];
  /** Whether `browser` has been read with labels (after the microphone permission). */
  labelled: boolean;
  /** Browser devices paired with OS devices (by label = description). */
  matched: MatchedDevice[];
  /** The last hot-plug changes the OS reported. */
  lastChanges: DeviceChange[];
  refresh(): Promise<void>;
}

/**
 * The device inventory, both sides: the OS's (main process, live through pactl subscribe) and the
 * browser's. Chromium does not notice PulseAudio changes by itself, so every OS event re-reads
 * enumerateDevices (which also fires `devicechange` for the rest of the page).
 */
export function useDeviceInventory(): DeviceInventoryState {
  const [inventory, setInventory] = useState<DeviceInventory | null>(null);
  const [browser, setBrowser] = useState<BrowserDevice[]>([]);
  const [labelled, setLabelled] = useState(false);
  const [lastChanges, setLastChanges] = useState<DeviceChange[]>([]);

  const refresh = useCallback(async () => {
    const all = await navigator.mediaDevices.enumerateDevices();
    const audio = all.filter((d) => d.kind === 'audioinput' || d.kind === 'audiooutput').map((d) => ({ deviceId: d.deviceId, kind: d.kind, label: d.label }));
    setBrowser((cur) => (JSON.stringify(cur) === JSON.stringify(audio) ? cur : audio));
    setLabelled(audio.some((d) => d.label !== '' && d.deviceId !== ''));
  }, []);

  useEffect(() => {
    let timers: ReturnType<typeof setTimeout>[] = [];
    void studio
      .getDeviceInventory({})
      .then(setInventory)
      .catch(() => undefined);
    const off = studio.onDeviceInventory(({ changes, ...inv }) => {
      setInventory(inv);
      setLastChanges(changes);
      void refresh();
      // The browser's view can trail the OS by a moment: look again shortly.
      timers.push(setTimeout(() => void refresh(), 400));
    });
    void refresh();
    const onChange = (): void => void refresh();
    navigator.mediaDevices.addEventListener('devicechange', onChange);
    return () => {
      off();
      navigator.mediaDevices.removeEventListener('devicechange', onChange);
      timers.forEach(clearTimeout);
      timers = [];
    };
  }, [refresh]);

  const matched = useMemo(() => matchDevices(browser, inventory), [browser, inventory]);
  return { inventory, browser, labelled, matched, lastChanges, refresh };
}

/** The browser deviceId of the input whose label is `label` (e.g. one of the Studio's virtual devices). */
export function inputIdByLabel(devices: DeviceInventoryState, label: string | undefined): string | null {
  if (!label) return null;
  return devices.browser.find((d) => d.kind === 'audioinput' && d.label === label)?.deviceId ?? null;
}

export function outputIdByLabel(devices: DeviceInventoryState, label: string | undefined): string | null {
  if (!label) return null;
  return devices.browser.find((d) => d.kind === 'audiooutput' && d.label === label)?.deviceId ?? null;
}
