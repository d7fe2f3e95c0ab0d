import { useEffect, useRef, useState } from 'react';
import type { DeviceInventoryState } from './useDeviceInventory';
import { nextFallback, type FallbackState } from './micFallback';

export interface MicFallback {
  /** The device the console should open: the selected one, or null (system default) while fallen back. */
  effectiveDeviceId: string | null;
  state: FallbackState | null;
  switchBack(): void;
}

/** Follows the selected microphone; when it disappears, falls back to the default input. */
export function useMicFallback(selectedId: string | null, devices: DeviceInventoryState): MicFallback {
  const [state, setState] = useState<FallbackState | null>(null);
  const labels = useRef(new Map<string, string>());
  for (const d of devices.browser) if (d.kind === 'audioinput' && d.label) labels.current.set(d.deviceId, d.label);
  const selectedLabel = selectedId ? (labels.current.get(selectedId) ?? null) : null;

  const { browser, labelled, inventory } = devices;
  useEffect(() => {
    setState((cur) => nextFallback(cur, { selectedId, selectedLabel, browser, labelled, inventory }));
  }, [selectedId, selectedLabel, browser, labelled, inventory]);

  return {
    effectiveDeviceId: state ? null : selectedId,
    state,
    switchBack: () => setState(null),
  };
}
