import { z } from 'zod';
import { ErrorBody } from './errors.js';
import { MemberId, Reaction, Roster, Sdp, SelfState, SpaceId, SpacePublic, SpaceTitle, DisplayName } from './space.js';
import { AccountPublic, Handle, Password, Registration } from './account.js';
import { CuePad } from './signaling.js';
import { SpaceAction } from './spaceActions.js';
import { scheduleIpcCalls, scheduleIpcEvents } from './schedule.js';
import { transcriptIpcCalls, transcriptIpcEvents } from './transcript.js';
import { deviceIpcCalls, deviceIpcEvents } from './devices.js';
import { soundboardIpcCalls, soundboardIpcEvents } from './soundboard.js';

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

const inSpace = z.object({ spaceId: SpaceId }).strict();
const done = z.object({});
const MaybeAccount = z.object({ account: AccountPublic.nullable() });

/** Core calls (connection, accounts, Space, stage); feature modules add theirs below. */
const coreIpcCalls = {
  getSettings: { channel: 'settings:get', request: none, response: Settings },
  updateSettings: { channel: 'settings:update', request: Settings.partial().strict(), response: Settings },
  connect: { channel: 'server:connect', request: z.object({ serverUrl: Settings.shape.serverUrl }).strict(), response: ConnectionStatus },
  getStatus: { channel: 'server:status', request: none, response: ConnectionStatus },

  /** Accounts on the connected server; the session token stays in the main process. */
  getAccount: { channel: 'account:get', request: none, response: MaybeAccount },
  register: { channel: 'account:register', request: Registration.strict(), response: MaybeAccount },
  signIn: { channel: 'account:sign-in', request: z.object({ handle: Handle, password: Password }).strict(), response: MaybeAccount },
  signOut: { channel: 'account:sign-out', request: none, response: MaybeAccount },

  createSpace: { channel: 'space:create', request: z.object({ title: SpaceTitle }).strict(), response: HostedSpace },
  goLive: { channel: 'space:go-live', request: z.object({ spaceId: SpaceId, sdp: Sdp }).strict(), response: z.object({ sdp: Sdp }) },
  endSpace: { channel: 'space:end', request: inSpace, response: HostedSpace },

  /**
   * Every Space action (the co-host panel, invitations, reactions, staff cues and notes) through
   * one generic relay: the main process forwards it to the Space server, which authorizes it.
   */
  spaceAction: { channel: 'space:action', request: SpaceAction, response: done },

  /** A second machine (co-host, producer) enters an existing Space by its id or link. */
  joinSpace: { channel: 'space:join', request: z.object({ spaceId: SpaceId }).strict(), response: HostedSpace },

  /** Tells the shell a broadcast is on air: keep the machine awake, do not throttle the window. */
  setOnAir: { channel: 'session:on-air', request: z.object({ onAir: z.boolean() }).strict(), response: z.object({ onAir: z.boolean() }) },
} as const;

/** Core events the main process pushes to the renderer. */
const coreIpcEvents = {
  onStatus: { channel: 'event:server-status', payload: ConnectionStatus },
  onAccount: { channel: 'event:account', payload: MaybeAccount },
  onSpaceUpdated: { channel: 'event:space-updated', payload: HostedSpace },
  onRoster: { channel: 'event:roster', payload: Roster },
  onSelf: { channel: 'event:self', payload: SelfState },
  onReaction: { channel: 'event:reaction', payload: z.object({ spaceId: SpaceId, memberId: MemberId, displayName: z.string(), reaction: Reaction }) },
  onSpeaking: { channel: 'event:speaking', payload: z.object({ spaceId: SpaceId, memberId: MemberId, speaking: z.boolean() }) },
  onMediaReset: { channel: 'event:media-reset', payload: z.object({ spaceId: SpaceId, reason: z.string() }) },
  onStaffPads: { channel: 'event:staff-pads', payload: z.object({ spaceId: SpaceId, pads: z.array(CuePad) }) },
  /** To the host's Studio: a producer or co-host asked for this pad. */
  onCue: { channel: 'event:cue', payload: z.object({ spaceId: SpaceId, padId: z.string(), from: z.string() }) },
  onStaffNote: { channel: 'event:staff-note', payload: z.object({ spaceId: SpaceId, from: z.string(), text: z.string(), at: z.number().int() }) },
} as const;

/** Calls the renderer makes: method name -> channel, request and response schemas. */
export const ipcCalls = { ...coreIpcCalls, ...soundboardIpcCalls, ...deviceIpcCalls, ...scheduleIpcCalls, ...transcriptIpcCalls } as const;
/** Events the main process pushes to the renderer. */
export const ipcEvents = { ...coreIpcEvents, ...soundboardIpcEvents, ...deviceIpcEvents, ...scheduleIpcEvents, ...transcriptIpcEvents } as const;
export const coreIpcCallNames = Object.keys(coreIpcCalls) as (keyof typeof coreIpcCalls)[];

export type IpcCallName = keyof typeof ipcCalls;
export type IpcEventName = keyof typeof ipcEvents;
export type IpcRequest<K extends IpcCallName> = z.input<(typeof ipcCalls)[K]['request']>;
/** What a handler receives: the request after validation (defaults applied). */
export type IpcParsedRequest<K extends IpcCallName> = z.infer<(typeof ipcCalls)[K]['request']>;
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

/** The main process implements every call: one handler per name, checked by the compiler. */
export type IpcHandlers = {
  [K in IpcCallName]: (request: IpcParsedRequest<K>) => Promise<IpcResponse<K>> | IpcResponse<K>;
};
