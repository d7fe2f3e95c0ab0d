import { z } from 'zod';
import { Episode, PastSpace, podcastRequests } from '../shared/podcast.js';
import { SpaceAnalytics, analyticsCsv } from '../shared/analytics.js';
import { join } from 'node:path';
import { ServerSessions } from './services/serverSessions.js';
import { SettingsStore, DEFAULT_SETTINGS } from './services/settingsStore.js';
import { openStudioDb } from './services/studioDb.js';
import { StudioService, type EventSink, type OnAirHook } from './services/studioService.js';
import { coreIpcCallNames, type IpcHandlers, type Settings } from '../shared/ipc.js';
import { bindHandlers } from './ipcRouter.js';
import { SoundboardLibrary } from './services/soundboardLibrary.js';
import { GlobalPadShortcuts, type ShortcutHost } from './services/globalShortcuts.js';
import { soundboardIpcCalls } from '../shared/soundboard.js';
import { AudioRouting } from './services/audioRouting.js';
import { deviceIpcCalls } from '../shared/devices.js';
import { ScheduleService } from './services/scheduleService.js';
import { scheduleIpcCalls } from '../shared/schedule.js';
import { TranscriptService } from './services/transcript/transcriptService.js';
import { transcriptIpcCalls } from '../shared/transcript.js';
import { IceConfig } from '../shared/ice.js';
import { TrustedServers } from './services/serverTrust.js';
import { MultitrackService } from './services/multitrack/multitrackService.js';
import { multitrackIpcCalls } from '../shared/multitrack.js';
import { RecordingState, recordingIpcCalls } from '../shared/recording.js';

/**
 * Opens the Studio's database and builds its services: the one composition root for every shell
 * (Electron, browser mode, tests). Each feature's service contributes the handlers for its calls.
 */
export function createStudioServices(opts: {
  dataDir: string;
  emit: EventSink;
  onAir?: OnAirHook;
  defaults?: Partial<Settings>;
  /** The desktop shell's global shortcuts (Electron); none in browser mode. */
  shortcuts?: ShortcutHost;
}) {
  const db = openStudioDb(join(opts.dataDir, 'studio.db'));
  const settings = new SettingsStore(db, { ...DEFAULT_SETTINGS, ...opts.defaults });
  // The transcript host sees speaking/roster events (speaker labels) and posts captions through the service's connection.
  const transcript: TranscriptService = new TranscriptService({
    dataDir: opts.dataDir,
    emit: opts.emit,
    post: async (spaceId, segment) => void (await service.requestOnServer('caption.post', { spaceId, segment })),
  });
  const sessions = new ServerSessions(db);
  // The Record control (issue 13): local take, upload of a speaker's mic, export with every voice.
  const multitrack: MultitrackService = new MultitrackService({
    dataDir: opts.dataDir,
    emit: opts.emit,
    request: (type, params) => service.requestOnServer(type, params),
    self: () => {
      const a = service.getAccount().account;
      return a ? { accountId: a.id, displayName: a.displayName } : null;
    },
    transcript: () => transcript.getTranscript().segments,
  });
  const service = new StudioService(settings, sessions, (e, p) => (transcript.observe(e, p), multitrack.observe(e, p), opts.emit(e, p)), opts.onAir, new TrustedServers(db));
  const soundboard = new SoundboardLibrary(db, opts.dataDir);
  const padKeys = new GlobalPadShortcuts(opts.shortcuts ?? null, (key) => opts.emit('onGlobalPadKey', { key }));
  const { setGlobalPadKeys: _, ...libraryCalls } = soundboardIpcCalls;
  // Local audio-device routing (PulseAudio/PipeWire); reports itself unavailable elsewhere.
  const routing = new AudioRouting(db, opts.emit);
  void routing.start();
  const schedule = new ScheduleService({
    db,
    emit: opts.emit,
    target: () => ({ serverUrl: settings.get().serverUrl, token: sessions.token(settings.get().serverUrl) }),
    enterSpace: (spaceId) => service.enterSpace(spaceId),
  });
  schedule.sync.kick();
  const handlers: IpcHandlers = {
    ...bindHandlers(service, coreIpcCallNames),
    ...bindHandlers(schedule, Object.keys(scheduleIpcCalls) as (keyof typeof scheduleIpcCalls)[]),
    ...bindHandlers(routing, Object.keys(deviceIpcCalls) as (keyof typeof deviceIpcCalls)[]),
    ...bindHandlers(soundboard, Object.keys(libraryCalls) as (keyof typeof libraryCalls)[]),
    ...bindHandlers(padKeys, ['setGlobalPadKeys']),
    ...bindHandlers(transcript, Object.keys(transcriptIpcCalls) as (keyof typeof transcriptIpcCalls)[]),
    // The stage link's ICE servers (TURN credentials) come from the connected Space server.
    getIceServers: async () => IceConfig.parse(await service.requestOnServer('ice.servers', {})),
    ...bindHandlers(multitrack, Object.keys(multitrackIpcCalls) as (keyof typeof multitrackIpcCalls)[]),
    // Recording (issue 12): relayed to the server, which decides who may.
    ...bindHandlers(
      {
        setRecording: async (req: { spaceId: string; on: boolean }) => RecordingState.parse(((await service.requestOnServer('recording.set', req)) as { state: unknown }).state),
        getRecording: async (req: { spaceId: string }) => RecordingState.parse(((await service.requestOnServer('recording.get', req)) as { state: unknown }).state),
      },
      Object.keys(recordingIpcCalls) as (keyof typeof recordingIpcCalls)[],
    ),
    // Podcast and analytics (issue 22): relayed to the server, which decides who may.
    markChapter: async (req) => podcastRequests['chapter.mark'].result.parse(await service.requestOnServer('chapter.mark', req)),
    getEpisode: async (req) => Episode.parse(((await service.requestOnServer('episode.get', req)) as { episode: unknown }).episode),
    updateEpisode: async (req) => Episode.parse(((await service.requestOnServer('episode.update', req)) as { episode: unknown }).episode),
    listPastSpaces: async () => z.array(PastSpace).parse(((await service.requestOnServer('episode.list', {})) as { spaces: unknown }).spaces),
    getAnalytics: async (req) => SpaceAnalytics.parse(((await service.requestOnServer('analytics.get', req)) as { analytics: unknown }).analytics),
    analyticsCsv: async (req) => {
      const a = SpaceAnalytics.parse(((await service.requestOnServer('analytics.get', req)) as { analytics: unknown }).analytics);
      return { csv: analyticsCsv(a), fileName: `space-${req.spaceId}-listeners.csv` };
    },
  };
  // The transcript's zero on the take's clock: when its first audio arrived.
  const transcriptPcm = handlers.transcriptPcm;
  handlers.transcriptPcm = (req) => (multitrack.transcriptAudio(), transcriptPcm(req));
  return {
    service,
    routing,
    schedule,
    transcript,
    multitrack,
    handlers,
    close(): void {
      multitrack.dispose();
      padKeys.dispose();
      transcript.dispose();
      service.dispose();
      schedule.dispose();
      routing.dispose();
      db.close();
    },
  };
}
