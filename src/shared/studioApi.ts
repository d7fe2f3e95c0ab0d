import { AppError } from './errors.js';
import {
  IpcResult,
  ipcCalls,
  ipcEvents,
  type IpcCallName,
  type IpcEventName,
  type StudioApi,
} from './ipc.js';

/** A transport for the Studio API: Electron IPC in the desktop app, a WebSocket in browser mode. */
export interface StudioTransport {
  invoke(channel: string, request: unknown): Promise<unknown>;
  subscribe(channel: string, listener: (payload: unknown) => void): () => void;
}

/**
 * Builds the renderer's typed API from the contract. Only contract channels are reachable;
 * responses are validated here too, and error results are rethrown as typed AppErrors.
 */
export function buildStudioApi(transport: StudioTransport): StudioApi {
  const api: Record<string, unknown> = {};
  for (const name of Object.keys(ipcCalls) as IpcCallName[]) {
    const call = ipcCalls[name];
    api[name] = async (request: unknown) => {
      const raw = IpcResult.parse(await transport.invoke(call.channel, request ?? {}));
      if (!raw.ok) throw new AppError(raw.error.code, raw.error.message);
      return call.response.parse(raw.value);
    };
  }
  for (const name of Object.keys(ipcEvents) as IpcEventName[]) {
    const event = ipcEvents[name];
    api[name] = (listener: (payload: unknown) => void) =>
      transport.subscribe(event.channel, (payload) => {
        const parsed = event.payload.safeParse(payload);
        if (parsed.success) listener(parsed.data);
      });
  }
  return api as StudioApi;
}
