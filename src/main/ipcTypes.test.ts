import { describe, expect, expectTypeOf, it } from 'vitest';
import type { IpcHandlerTable, IpcResponse } from '../shared/ipc.js';
import { coreHandlers } from './studioServices.js';
import type { StudioService } from './services/studioService.js';

/**
 * Type tests (checked by `npm run typecheck`, which covers this file): the handler table is the
 * only place handlers are bound, and the compiler holds every entry to its zod contract. The
 * `@ts-expect-error` lines fail the typecheck if the wrong handler they hold ever compiles.
 */
describe('IPC handler table (type tests)', () => {
  it('rejects a handler whose result is not the contract response (issue 18: listAudience answered {})', () => {
    // What listAudience used to return: the relay's empty "done" instead of the server's page.
    const discarding = { listAudience: async (): Promise<Record<string, never>> => ({}) };
    // @ts-expect-error the result lacks members/total/offset
    const table: Pick<IpcHandlerTable, 'listAudience'> = { listAudience: discarding };
    // A handler that returns the page the contract describes is accepted.
    const page = { listAudience: async (): Promise<IpcResponse<'listAudience'>> => ({ members: [], total: 0, offset: 0 }) };
    const good: Pick<IpcHandlerTable, 'listAudience'> = { listAudience: page };
    expect(table).toBeDefined();
    expect(good).toBeDefined();
  });

  it('rejects a handler for the wrong call, a missing method and a wrong request type', () => {
    const settings = { getSettings: () => ({ serverUrl: 'http://x', hostName: 'A', micDeviceId: null, monitorDeviceId: null }) };
    // @ts-expect-error getStatus must answer a ConnectionStatus, not Settings
    const wrongCall: Pick<IpcHandlerTable, 'getStatus'> = { getStatus: { getStatus: settings.getSettings } };
    // @ts-expect-error the object has no method named after the call
    const missing: Pick<IpcHandlerTable, 'getStatus'> = { getStatus: settings };
    // @ts-expect-error the handler expects a request the contract never sends
    const wrongRequest: Pick<IpcHandlerTable, 'setOnAir'> = { setOnAir: { setOnAir: (req: { volume: number }) => ({ onAir: req.volume > 0 }) } };
    expect([wrongCall, missing, wrongRequest]).toHaveLength(3);
  });

  it('the Studio service answers the audience call with the contract page', () => {
    expectTypeOf<ReturnType<StudioService['listAudience']>>().toEqualTypeOf<Promise<IpcResponse<'listAudience'>>>();
    expectTypeOf(coreHandlers).returns.toHaveProperty('listAudience');
  });
});
