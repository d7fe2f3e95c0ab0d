import { AppError, describeIssues } from './errors.js';
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
      const raw = IpcResult.safeParse(await transport.invoke(call.channel, request ?? {}));
      if (!raw.success) throw new AppError('internal', `${name}: malformed IPC result (${describeIssues(raw.error)})`);
      if (!raw.data.ok) throw new AppError(raw.data.error.code, raw.data.error.message);
      // An answer that does not match the contract is a typed error too (the UI says so in words).
      const value = call.response.safeParse(raw.data.value);
      if (!value.success) throw new AppError('internal', `${name}: the answer does not match the contract (${describeIssues(value.error)})`);
      return value.data;
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
