import { AppError, describeIssues } from '../shared/errors.js';
import { ipcCalls, type IpcCallName, type IpcResult } from '../shared/ipc.js';
import type { StudioService } from './services/studioService.js';

const byChannel = new Map<string, IpcCallName>(Object.entries(ipcCalls).map(([name, c]) => [c.channel, name as IpcCallName]));

/**
 * Validates and dispatches one IPC call. Shared by the Electron shell (ipcMain.handle) and the
 * browser-mode bridge, so both check payloads the same way. Never throws: errors come back typed.
 */
export async function dispatchIpc(service: StudioService, channel: string, payload: unknown): Promise<IpcResult> {
  const name = byChannel.get(channel);
  if (!name) return { ok: false, error: { code: 'unknown_type', message: `unknown IPC channel "${channel}"` } };
  const parsed = ipcCalls[name].request.safeParse(payload);
  if (!parsed.success) return { ok: false, error: { code: 'bad_message', message: describeIssues(parsed.error) } };
  try {
    const method = service[name] as (req: unknown) => unknown;
    const value = await method.call(service, parsed.data);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: AppError.from(err).toBody() };
  }
}
