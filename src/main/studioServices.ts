import { analyticsCsv } from '../shared/analytics.js';
import { join } from 'node:path';
import { ServerSessions } from './services/serverSessions.js';
import { SettingsStore, DEFAULT_SETTINGS } from './services/settingsStore.js';
import { openStudioDb } from './services/studioDb.js';
import { StudioService, type EventSink, type OnAirHook } from './services/studioService.js';
import type { IpcHandlerTable, Settings } from '../shared/ipc.js';
import { SoundboardLibrary } from './services/soundboardLibrary.js';
import { GlobalPadShortcuts, type ShortcutHost } from './services/globalShortcuts.js';
import { AudioRouting } from './services/audioRouting.js';
import { MediaConnect } from '../shared/mediaEngine.js';
import { ScheduleService } from './services/scheduleService.js';
import { TranscriptService } from './services/transcript/transcriptService.js';
import { IceConfig } from '../shared/ice.js';
import { TrustedServers } from './services/serverTrust.js';
import { MultitrackService } from './services/multitrack/multitrackService.js';

type CoreCallName = 'getSettings' | 'updateSettings' | 'connect' | 'getStatus' | 'trustCertificate' | 'getAccount' | 'register' | 'signIn' | 'signOut' | 'createSpace' | 'goLive' | 'endSpace' | 'spaceAction' | 'listAudience' | 'joinSpace' | 'setOnAir';

/** The calls the Studio's connection service answers itself (also what unit tests dispatch to). */
export function coreHandlers(service: StudioService): Pick<IpcHandlerTable, CoreCallName> {
  return {
    ...{ getSettings: service, updateSettings: service, connect: service, getStatus: service, trustCertificate: service },
    ...{ getAccount: service, register: service, signIn: service, signOut: service },
    ...{ createSpace: service, goLive: service, endSpace: service, spaceAction: service, listAudience: service, joinSpace: service, setOnAir: service },
  };
}

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
    transcriptPartial: () => transcript.partial(),
  });
  const service = new StudioService(settings, sessions, opts.emit, opts.onAir, new TrustedServers(db));
  service.onServerEvent((e) => (transcript.observe(e), multitrack.observe(e)));
  const soundboard = new SoundboardLibrary(db, opts.dataDir);
  const padKeys = new GlobalPadShortcuts(opts.shortcuts ?? null, (key) => opts.emit('onGlobalPadKey', { key }));
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
  // Who answers each IPC call: checked against the contract entry by entry (see IpcHandlerTable).
  const handlers: IpcHandlerTable = {
    ...coreHandlers(service),
    ...{ listScheduled: schedule, saveScheduled: schedule, deleteScheduled: schedule, startScheduled: schedule, issueTicketCodes: schedule },
    ...{ syncNow: schedule, getSyncStatus: schedule, getScheduleSettings: schedule, updateScheduleSettings: schedule },
    ...{ getDeviceInventory: routing, getDeviceProfile: routing, saveDeviceProfile: routing },
    ...{ getLibrary: soundboard, importClip: soundboard, deleteClip: soundboard, readClip: soundboard, createSet: soundboard, renameSet: soundboard },
    ...{ deleteSet: soundboard, savePad: soundboard, deletePad: soundboard, reorderPads: soundboard, setGlobalPadKeys: padKeys },
    ...{ startTranscript: transcript, getTranscriptStatus: transcript, getTranscript: transcript, exportTranscript: transcript },
    ...{ getSpeechModel: transcript, getSpeechEngines: transcript, downloadSpeechModel: transcript },
    // The transcript's zero on the take's clock: when its first audio arrived.
    transcriptPcm: { transcriptPcm: (req) => (multitrack.transcriptAudio(), transcript.transcriptPcm(req)) },
    ...{ getTakes: multitrack, startTake: multitrack, takeAudio: multitrack, takeMarker: multitrack, stopTake: multitrack, exportTake: multitrack },
    // The stage link's ICE servers (TURN credentials) come from the connected Space server.
    getIceServers: { getIceServers: async () => IceConfig.parse(await service.requestOnServer('ice.servers', {})) },
    // Which media engine the server runs; on LiveKit, this member's access token (issue 20).
    connectMedia: { connectMedia: async (req) => MediaConnect.parse(await service.requestOnServer('media.connect', req)) },
    // Recording (issue 12): relayed to the server, which decides who may.
    setRecording: { setRecording: async (req) => (await service.requestOnServer('recording.set', req)).state },
    getRecording: { getRecording: async (req) => (await service.requestOnServer('recording.get', req)).state },
    // End: the words said right up to End are recognized and posted before the server ends the
    // Space (the server stores captions of live Spaces only, in the order they arrive).
    stopTranscript: { stopTranscript: async () => (multitrack.transcriptStopped(), transcript.stopTranscript()) },
    endSpace: { endSpace: async (req) => (await transcript.finishForEnd(req.spaceId), service.endSpace(req)) },
    // Podcast and analytics (issue 22): relayed to the server, which decides who may.
    markChapter: { markChapter: (req) => service.requestOnServer('chapter.mark', req) },
    getEpisode: { getEpisode: async (req) => (await service.requestOnServer('episode.get', req)).episode },
    updateEpisode: { updateEpisode: async (req) => (await service.requestOnServer('episode.update', req)).episode },
    listPastSpaces: { listPastSpaces: async () => (await service.requestOnServer('episode.list', {})).spaces },
    getAnalytics: { getAnalytics: async (req) => (await service.requestOnServer('analytics.get', req)).analytics },
    analyticsCsv: {
      analyticsCsv: async (req) => ({ csv: analyticsCsv((await service.requestOnServer('analytics.get', req)).analytics), fileName: `space-${req.spaceId}-listeners.csv` }),
    },
  };
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
