import { useCallback, useEffect, useState } from 'react';
import type { ConsoleEngine } from '../audio/consoleEngine';
import { ProgramOutput } from '../audio/programOutput';
import { outputIdByLabel, type DeviceInventoryState } from './useDeviceInventory';
import { errorText } from '../errors';

export interface ProgramOutputState {
  /** Feed the stage mix as it arrives (and null when leaving the stage). */
  setStage(stream: MediaStream | null): void;
  /** The output device label the program plays to, or null. */
  playingTo: string | null;
  error: string | null;
}

/** Sends the program to the "Spaces Studio Program" virtual output whenever routing provides one. */
export function useProgramOutput(engine: ConsoleEngine, devices: DeviceInventoryState): ProgramOutputState {
  const [program] = useState(() => new ProgramOutput(engine));
  const [playingTo, setPlayingTo] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const label = devices.inventory?.routing.program?.description;
  const sinkId = outputIdByLabel(devices, label);

  useEffect(() => {
    let cancelled = false;
    program
      .setSink(sinkId)
      .then(() => {
        if (cancelled) return;
        setPlayingTo(sinkId ? (label ?? null) : null);
        setError(null);
      })
      .catch((err: unknown) => !cancelled && setError(errorText(err)));
    return () => {
      cancelled = true;
    };
  }, [program, sinkId, label]);

  useEffect(() => () => program.close(), [program]);

  const setStage = useCallback((s: MediaStream | null) => program.setStage(s), [program]);
  return { setStage, playingTo, error };
}
