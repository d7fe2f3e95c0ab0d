import { z } from 'zod';
import { ErrorBody } from './errors.js';
import { Sdp, SpaceId, SpacePublic, SpaceTitle, DisplayName } from './space.js';

/**
 * The Studio's IPC contract between the renderer and the main process, defined once.
 * The preload (Electron) and the web bridge (browser mode) both build the renderer's API
 * from it, and the main process validates every payload against it on arrival.
 */

export const Settings = z.object({
  serverUrl: z.url({ protocol: /^https?$/ }),
  hostName: DisplayName,
  micDeviceId: z.string().max(512).nullable(),
  monitorDeviceId: z.string().max(512).nullable(),
});
export type Settings = z.infer<typeof Settings>;

export const ConnectionStatus = z.object({
  state: z.enum(['disconnected', 'connecting', 'connected']),
  serverUrl: z.string(),
  error: z.string().nullable(),
});
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

/** A Space this Studio hosts, with the link listeners open. */
export const HostedSpace = z.object({ space: SpacePublic, listenerUrl: z.string() });
export type HostedSpace = z.infer<typeof HostedSpace>;

const none = z.object({}).strict();

/** Calls the renderer makes: method name -> channel, request and response schemas. */
export const ipcCalls = {
  getSettings: { channel: 'settings:get', request: none, response: Settings },
  updateSettings: { channel: 'settings:update', request: Settings.partial().strict(), response: Settings },
  connect: { channel: 'server:connect', request: z.object({ serverUrl: Settings.shape.serverUrl }).strict(), response: ConnectionStatus },
  getStatus: { channel: 'server:status', request: none, response: ConnectionStatus },
  createSpace: { channel: 'space:create', request: z.object({ title: SpaceTitle }).strict(), response: HostedSpace },
  goLive: { channel: 'space:go-live', request: z.object({ spaceId: SpaceId, sdp: Sdp }).strict(), response: z.object({ sdp: Sdp, hosted: HostedSpace }) },
  endSpace: { channel: 'space:end', request: z.object({ spaceId: SpaceId }).strict(), response: HostedSpace },
  /** Tells the shell a broadcast is on air: keep the machine awake, do not throttle the window. */
  setOnAir: { channel: 'session:on-air', request: z.object({ onAir: z.boolean() }).strict(), response: z.object({ onAir: z.boolean() }) },
} as const;

/** Events the main process pushes to the renderer. */
export const ipcEvents = {
  onStatus: { channel: 'event:server-status', payload: ConnectionStatus },
  onSpaceUpdated: { channel: 'event:space-updated', payload: HostedSpace },
  onMediaReset: { channel: 'event:media-reset', payload: z.object({ spaceId: SpaceId, reason: z.string() }) },
} as const;

export type IpcCallName = keyof typeof ipcCalls;
export type IpcEventName = keyof typeof ipcEvents;
export type IpcRequest<K extends IpcCallName> = z.input<(typeof ipcCalls)[K]['request']>;
export type IpcResponse<K extends IpcCallName> = z.infer<(typeof ipcCalls)[K]['response']>;
export type IpcEventPayload<K extends IpcEventName> = z.infer<(typeof ipcEvents)[K]['payload']>;

/** What an IPC call resolves to on the wire: errors stay typed across the boundary. */
export const IpcResult = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ErrorBody }),
]);
export type IpcResult = z.infer<typeof IpcResult>;

/** The API object the renderer sees as `window.studio`. */
export type StudioApi = {
  [K in IpcCallName]: (request: IpcRequest<K>) => Promise<IpcResponse<K>>;
} & {
  [K in IpcEventName]: (listener: (payload: IpcEventPayload<K>) => void) => () => void;
};
