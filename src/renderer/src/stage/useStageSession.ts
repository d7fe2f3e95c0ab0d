import { useEffect, useState } from 'react';
import { studio } from '../api';
import { QUALITY_PRESETS } from '../audio/opus';
import type { ConsoleEngine } from '../audio/consoleEngine';
import { StageSession, type StageState } from './stageSession';

/**
 * One stage session for the window's lifetime, wired to the Studio's main process: the offer
 * goes through `goLive`, media resets come from `onMediaReset`. `onStageStream` fans the stage
 * mix out (monitor, program output, transcript); it is read at call time, so it may change.
 */
export function useStageSession(engine: ConsoleEngine, onStageStream: (stream: MediaStream | null) => void): { session: StageSession; state: StageState } {
  const [fanOut] = useState(() => ({ current: onStageStream }));
  fanOut.current = onStageStream;
  const [session] = useState(
    () =>
      new StageSession(
        {
          track: () => engine.broadcastTrack,
          resume: () => engine.resume(),
          negotiate: async (spaceId, sdp) => (await studio.goLive({ spaceId, sdp })).sdp,
          iceServers: async () => (await studio.getIceServers({})).iceServers,
          connectMedia: (spaceId) => studio.connectMedia({ spaceId, as: 'stage' }),
          onStageStream: (stream) => fanOut.current(stream),
          setOnAir: async (onAir) => void (await studio.setOnAir({ onAir })),
        },
        QUALITY_PRESETS[0]!.quality,
      ),
  );
  const [state, setState] = useState<StageState>(session.state);
  useEffect(() => session.onState(setState), [session]);
  useEffect(() => studio.onMediaReset(({ spaceId }) => session.mediaReset(spaceId)), [session]);
  useEffect(() => () => session.close(), [session]);
  return { session, state };
}
