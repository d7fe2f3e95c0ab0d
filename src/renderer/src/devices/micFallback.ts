import type { BrowserDevice, DeviceInventory } from '../../../shared/devices';

/**
 * What happens to the selected microphone when it disappears: pure state transitions (unit-tested),
 * driven by the device lists. The Studio falls back to the system default input, says so, and
 * offers to switch back once the device is present again.
 */
export interface FallbackState {
  /** The device the user chose and lost. */
  lostId: string;
  lostLabel: string;
  /** The lost device is present again: offer "switch back". */
  returned: boolean;
}

export interface FallbackInput {
  selectedId: string | null;
  /** The selected device's label, remembered while it was present. */
  selectedLabel: string | null;
  browser: readonly BrowserDevice[];
  /** enumerateDevices has been read with permission (ids and labels are real). */
  labelled: boolean;
  inventory: DeviceInventory | null;
}

function presentInBrowser(input: FallbackInput, id: string): boolean {
  return input.browser.some((d) => d.kind === 'audioinput' && d.deviceId === id);
}

/** Whether the OS still lists an input with this description (null: the OS cannot tell). */
function presentInOs(inventory: DeviceInventory | null, label: string | null): boolean | null {
  if (!inventory?.routing.available || !label) return null;
  return inventory.devices.some((d) => d.kind === 'input' && d.description === label);
}

export function nextFallback(cur: FallbackState | null, input: FallbackInput): FallbackState | null {
  if (cur) {
    if (input.selectedId !== cur.lostId) return null; // the user picked something else
    const back = input.labelled && presentInBrowser(input, cur.lostId) && presentInOs(input.inventory, cur.lostLabel) !== false;
    return back === cur.returned ? cur : { ...cur, returned: back };
  }
  const id = input.selectedId;
  if (!id || id === 'default' || !input.labelled) return null;
  const os = presentInOs(input.inventory, input.selectedLabel);
  const gone = !presentInBrowser(input, id) || os === false;
  if (!gone) return null;
  return { lostId: id, lostLabel: input.selectedLabel ?? 'The selected microphone', returned: false };
}
