import { describe, expect, it } from 'vitest';
import { nextFallback, type FallbackInput } from './micFallback';
import type { DeviceInventory } from '../../../shared/devices';

const pro = { deviceId: 'p1', kind: 'audioinput', label: 'Pro Mic' };
const def = { deviceId: 'default', kind: 'audioinput', label: 'Default' };
const inv = (withPro: boolean): DeviceInventory => ({
  routing: { available: true, reason: null, server: 'PulseAudio 16.1', program: null, externalInput: null },
  devices: withPro ? [{ name: 'pro_mic', description: 'Pro Mic', kind: 'input', isDefault: false, studio: null, channels: 1, sampleRate: 48000 }] : [],
  defaultInput: null,
  defaultOutput: null,
});
const base: FallbackInput = { selectedId: 'p1', selectedLabel: 'Pro Mic', browser: [def, pro], labelled: true, inventory: inv(true) };

describe('microphone fallback', () => {
  it('stays put while the selected device is present, or before labels are known', () => {
    expect(nextFallback(null, base)).toBeNull();
    expect(nextFallback(null, { ...base, browser: [], labelled: false })).toBeNull();
    expect(nextFallback(null, { ...base, selectedId: null })).toBeNull();
  });

  it('falls back when the device leaves the browser list or the OS list, offers switch-back when it returns', () => {
    const lost = nextFallback(null, { ...base, browser: [def] })!;
    expect(lost).toEqual({ lostId: 'p1', lostLabel: 'Pro Mic', returned: false });
    // The OS says it is gone even if the browser list has not caught up yet.
    expect(nextFallback(null, { ...base, inventory: inv(false) })).toEqual(lost);
    const stillGone = nextFallback(lost, { ...base, browser: [def], inventory: inv(false) });
    expect(stillGone).toBe(lost);
    // Back in the browser list but not yet in the OS's: not yet.
    expect(nextFallback(lost, { ...base, inventory: inv(false) })!.returned).toBe(false);
    const back = nextFallback(lost, base)!;
    expect(back.returned).toBe(true);
    // Gone again before the user switched back.
    expect(nextFallback(back, { ...base, browser: [def] })!.returned).toBe(false);
  });

  it('works without OS routing (browser list only) and clears when the user picks another device', () => {
    const noOs = { ...base, inventory: null };
    const lost = nextFallback(null, { ...noOs, browser: [def] })!;
    expect(lost.returned).toBe(false);
    expect(nextFallback(lost, noOs)!.returned).toBe(true);
    expect(nextFallback(lost, { ...noOs, selectedId: 'other' })).toBeNull();
  });
});
