import { useEffect, useRef } from 'react';
import type { DeviceProfile } from '../../../shared/devices';
import { studio } from '../api';

/** The profile fields of an input strip's settings. */
export function profileOf(s: DeviceProfile): DeviceProfile {
  return {
    gainDb: s.gainDb,
    channel: s.channel,
    echoCancellation: s.echoCancellation,
    noiseSuppression: s.noiseSuppression,
    autoGainControl: s.autoGainControl,
    monitorMode: s.monitorMode,
  };
}

const same = (a: DeviceProfile, b: DeviceProfile): boolean => JSON.stringify(profileOf(a)) === JSON.stringify(profileOf(b));

/**
 * Per-device profiles: when a device opens (by label), its saved profile is re-applied; changes
 * made on it are saved (main keeps them in the Studio database). Nothing is saved for a device
 * until its own profile has been looked up, so a device never inherits the previous one's settings
 * by accident.
 */
export function useDeviceProfiles(label: string | null, current: DeviceProfile, apply: (p: DeviceProfile) => void): void {
  const loadedFor = useRef<string | null>(null);
  const applyRef = useRef(apply);
  applyRef.current = apply;
  const currentRef = useRef(current);
  currentRef.current = current;

  useEffect(() => {
    loadedFor.current = null;
    if (!label) return;
    let cancelled = false;
    void studio
      .getDeviceProfile({ deviceKey: label })
      .then(({ profile }) => {
        if (cancelled) return;
        if (profile && !same(profile, currentRef.current)) applyRef.current(profile);
        loadedFor.current = label;
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [label]);

  const key = JSON.stringify(profileOf(current));
  useEffect(() => {
    if (!label || loadedFor.current !== label) return;
    const t = setTimeout(() => {
      if (loadedFor.current === label) void studio.saveDeviceProfile({ deviceKey: label, profile: profileOf(currentRef.current) }).catch(() => undefined);
    }, 300);
    return () => clearTimeout(t);
  }, [label, key]);
}
