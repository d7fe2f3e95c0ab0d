import { join } from 'node:path';
import { openStudioDb } from '../../src/main/services/studioDb.js';
import { ScheduleService } from '../../src/main/services/scheduleService.js';
import type { SyncOptions } from '../../src/main/services/scheduleSync.js';
import type { IpcEventName } from '../../src/shared/ipc.js';
import { tempDir } from './stack.js';

/**
 * The Studio's real schedule service (store, outbox, sync engine) on its own studio.db, pointed at
 * a server URL with a session token: what the Studio's main process runs, without the window.
 */
export function scheduleStudio(target: { serverUrl: string; token: string | undefined }, sync: SyncOptions = {}, dataDir = tempDir('studio')) {
  const db = openStudioDb(join(dataDir, 'studio.db'));
  const events: { event: IpcEventName; payload: unknown }[] = [];
  const service = new ScheduleService({
    db,
    emit: (event, payload) => events.push({ event, payload }),
    target: () => target,
    sync: { minBackoffMs: 50, maxBackoffMs: 400, pullEveryMs: 60_000, requestTimeoutMs: 5000, ...sync },
  });
  return {
    service,
    events,
    target,
    dataDir,
    all: () => service.listScheduled({ limit: 500, offset: 0 }).items,
    close(): void {
      service.dispose();
      db.close();
    },
  };
}
