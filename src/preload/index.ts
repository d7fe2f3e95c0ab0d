import { contextBridge, ipcRenderer } from 'electron';
import { buildStudioApi } from '../shared/studioApi.js';
import type { StudioApi } from '../shared/ipc.js';

/**
 * Exposes exactly one object, `window.studio`, built from the shared IPC contract: named,
 * typed methods, never ipcRenderer itself or a generic send.
 */
const api = buildStudioApi({
  invoke: (channel, request) => ipcRenderer.invoke(channel, request),
  subscribe: (channel, listener) => {
    const handler = (_event: Electron.IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => ipcRenderer.removeListener(channel, handler);
  },
}) satisfies StudioApi;

contextBridge.exposeInMainWorld('studio', api);
