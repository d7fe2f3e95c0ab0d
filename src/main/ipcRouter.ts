import { AppError, describeIssues } from '../shared/errors.js';
import { ipcCalls, type IpcCallName, type IpcHandlers, type IpcResult } from '../shared/ipc.js';

const byChannel = new Map<string, IpcCallName>(Object.entries(ipcCalls).map(([name, c]) => [c.channel, name as IpcCallName]));

/**
 * Validates and dispatches one IPC call. Shared by the Electron shell (ipcMain.handle) and the
 * browser-mode bridge, so both check payloads the same way. Never throws: errors come back typed.
 */
export async function dispatchIpc(handlers: IpcHandlers, channel: string, payload: unknown): Promise<IpcResult> {
  const name = byChannel.get(channel);
  if (!name) return { ok: false, error: { code: 'unknown_type', message: `unknown IPC channel "${channel}"` } };
  const parsed = ipcCalls[name].request.safeParse(payload);
  if (!parsed.success) return { ok: false, error: { code: 'bad_message', message: describeIssues(parsed.error) } };
  try {
    const handler = handlers[name] as (req: unknown) => unknown;
    return { ok: true, value: await handler(parsed.data) };
  } catch (err) {
    return { ok: false, error: AppError.from(err).toBody() };
  }
}

/** Binds the named methods of a service as IPC handlers (the method names are the call names). */
export function bindHandlers<S extends object, K extends keyof S & IpcCallName>(service: S, names: readonly K[]): Pick<IpcHandlers, K> {
  const out: Partial<Record<K, unknown>> = {};
  for (const name of names) out[name] = (service[name] as (req: unknown) => unknown).bind(service);
  return out as Pick<IpcHandlers, K>;
}
