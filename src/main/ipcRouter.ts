import { AppError, describeIssues } from '../shared/errors.js';
import { ipcContract, type IpcCallName, type IpcHandler, type IpcHandlerTable, type IpcParsedRequest, type IpcResult } from '../shared/ipc.js';

const byChannel = new Map<string, IpcCallName>();
for (const name of Object.keys(ipcContract) as IpcCallName[]) byChannel.set(ipcContract[name].channel, name);

/** Validates the request of one call and runs its handler (request and response stay correlated by K). */
async function run<K extends IpcCallName>(table: Partial<IpcHandlerTable>, name: K, payload: unknown): Promise<IpcResult> {
  const provider: { [P in K]: IpcHandler<P> } | undefined = table[name];
  if (!provider) return { ok: false, error: { code: 'unknown_type', message: `no handler for "${name}"` } };
  const parsed = ipcContract[name].request.safeParse(payload);
  if (!parsed.success) return { ok: false, error: { code: 'bad_message', message: describeIssues(parsed.error) } };
  const request: IpcParsedRequest<K> = parsed.data;
  const handler: IpcHandler<K> = provider[name];
  // Called on its own object: services keep their `this`.
  return { ok: true, value: await handler.call(provider, request) };
}

/**
 * Validates and dispatches one IPC call. Shared by the Electron shell (ipcMain.handle) and the
 * browser-mode bridge, so both check payloads the same way. Never throws: errors come back typed.
 */
export async function dispatchIpc(table: Partial<IpcHandlerTable>, channel: string, payload: unknown): Promise<IpcResult> {
  const name = byChannel.get(channel);
  if (!name) return { ok: false, error: { code: 'unknown_type', message: `unknown IPC channel "${channel}"` } };
  try {
    return await run(table, name, payload);
  } catch (err) {
    return { ok: false, error: AppError.from(err).toBody() };
  }
}
