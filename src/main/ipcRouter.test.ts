import { afterEach, describe, expect, it } from 'vitest';
import { dispatchIpc } from './ipcRouter.js';
import { coreHandlers } from './studioServices.js';

const handlersOf = coreHandlers;
import { StudioService } from './services/studioService.js';
import { SettingsStore } from './services/settingsStore.js';
import { ServerSessions } from './services/serverSessions.js';
import { openStudioDb } from './services/studioDb.js';

function makeService() {
  const db = openStudioDb(':memory:');
  const events: string[] = [];
  const service = new StudioService(new SettingsStore(db), new ServerSessions(db), (e) => events.push(e));
  return { db, service, events };
}

describe('IPC dispatch (validation at the main-process boundary)', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it('unknown channels and malformed payloads get typed errors and change nothing', async () => {
    const { db, service } = makeService();
    cleanup = () => db.close();
    const before = service.getSettings();
    expect(await dispatchIpc(handlersOf(service), 'fs:read', {})).toMatchObject({ ok: false, error: { code: 'unknown_type' } });
    expect(await dispatchIpc(handlersOf(service), 'settings:update', { serverUrl: 'ftp://x' })).toMatchObject({ ok: false, error: { code: 'bad_message' } });
    expect(await dispatchIpc(handlersOf(service), 'settings:update', { hostName: 'A', extra: 1 })).toMatchObject({ ok: false, error: { code: 'bad_message' } });
    expect(await dispatchIpc(handlersOf(service), 'settings:update', null)).toMatchObject({ ok: false, error: { code: 'bad_message' } });
    expect(service.getSettings()).toEqual(before);
  });

  it('valid calls reach the service and persist', async () => {
    const { db, service } = makeService();
    cleanup = () => db.close();
    const r = await dispatchIpc(handlersOf(service), 'settings:update', { hostName: 'Ann', micDeviceId: 'abc' });
    expect(r).toMatchObject({ ok: true, value: { hostName: 'Ann', micDeviceId: 'abc' } });
    expect((await dispatchIpc(handlersOf(service), 'settings:get', {})) as { value: unknown }).toMatchObject({ value: { hostName: 'Ann' } });
  });

  it('actions that need a server say so when not connected', async () => {
    const { db, service } = makeService();
    cleanup = () => db.close();
    expect(await dispatchIpc(handlersOf(service), 'space:create', { title: 'Show' })).toMatchObject({ ok: false, error: { code: 'not_connected' } });
    expect(await dispatchIpc(handlersOf(service), 'space:end', { spaceId: 'abcdefghij' })).toMatchObject({ ok: false, error: { code: 'not_connected' } });
  });

  it('going on air calls the shell hook once per change', async () => {
    const db = openStudioDb(':memory:');
    cleanup = () => db.close();
    const calls: boolean[] = [];
    const service = new StudioService(new SettingsStore(db), new ServerSessions(db), () => undefined, (on) => calls.push(on));
    await dispatchIpc(handlersOf(service), 'session:on-air', { onAir: true });
    await dispatchIpc(handlersOf(service), 'session:on-air', { onAir: true });
    await dispatchIpc(handlersOf(service), 'session:on-air', { onAir: false });
    expect(calls).toEqual([true, false]);
  });
});
