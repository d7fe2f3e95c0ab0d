import { join } from 'node:path';
import { ServerSessions } from './services/serverSessions.js';
import { SettingsStore, DEFAULT_SETTINGS } from './services/settingsStore.js';
import { openStudioDb } from './services/studioDb.js';
import { StudioService, type EventSink, type OnAirHook } from './services/studioService.js';
import { coreIpcCallNames, type IpcHandlers, type Settings } from '../shared/ipc.js';
import { bindHandlers } from './ipcRouter.js';

/**
 * Opens the Studio's database and builds its services: the one composition root for every shell
 * (Electron, browser mode, tests). Each feature's service contributes the handlers for its calls.
 */
export function createStudioServices(opts: { dataDir: string; emit: EventSink; onAir?: OnAirHook; defaults?: Partial<Settings> }) {
  const db = openStudioDb(join(opts.dataDir, 'studio.db'));
  const settings = new SettingsStore(db, { ...DEFAULT_SETTINGS, ...opts.defaults });
  const service = new StudioService(settings, new ServerSessions(db), opts.emit, opts.onAir);
  const handlers: IpcHandlers = {
    ...bindHandlers(service, coreIpcCallNames),
  };
  return {
    service,
    handlers,
    close(): void {
      service.dispose();
      db.close();
    },
  };
}
