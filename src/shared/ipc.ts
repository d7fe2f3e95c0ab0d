import { z } from 'zod';
import { ErrorBody } from './errors.js';
import { Member, MemberId, Reaction, Roster, Sdp, SelfState, SpaceId, SpacePublic, SpaceTitle, DisplayName } from './space.js';
import { AccountPublic, Handle, Password, Registration } from './account.js';
import { requests, ServerEvent } from './signaling.js';
import { SpaceAction } from './spaceActions.js';
import { scheduleIpcCalls, scheduleIpcEvents } from './schedule.js';
import { transcriptIpcCalls, transcriptIpcEvents } from './transcript.js';
import { iceIpcCalls } from './ice.js';
import { mediaIpcCalls } from './mediaEngine.js';
import { recordingIpcCalls } from './recording.js';
import { podcastIpcCalls } from './podcast.js';
import { analyticsIpcCalls } from './analytics.js';
import { deviceIpcCalls, deviceIpcEvents } from './devices.js';
import { soundboardIpcCalls, soundboardIpcEvents } from './soundboard.js';
import { multitrackIpcCalls, multitrackIpcEvents } from './multitrack.js';

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

/** A server certificate the Studio does not trust by itself: what the user compares before trusting it. */
export const ServerCertificate = z.object({
  /** SHA-256 of the certificate, colon-separated hex (as browsers and `openssl x509 -fingerprint -sha256` show it). */
  fingerprint256: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
  subject: z.string(),
  issuer: z.string(),
  validTo: z.string(),
});
export type ServerCertificate = z.infer<typeof ServerCertificate>;

/** Why the Studio cannot use a server, by kind: the renderer says it in the person's language. */
export const ServerProblem = z.object({
  kind: z.enum(['untrusted', 'changed', 'bad_certificate', 'bad_url', 'refused', 'unreachable', 'not_a_space_server', 'use_https']),
  /** host[:port] as the person typed it. */
  server: z.string(),
  /** For use_https: the address to use instead. */
  httpsUrl: z.string().optional(),
});
export type ServerProblem = z.infer<typeof ServerProblem>;

export const ConnectionStatus = z.object({
  state: z.enum(['disconnected', 'connecting', 'connected']),
  serverUrl: z.string(),
  error: z.string().nullable(),
  /** Set when the server's certificate is not trusted: the Studio connects only once the user trusts it. */
  certificate: ServerCertificate.nullable().optional(),
  /** The same problem as `error`, by kind (shown as a catalogue sentence). */
  problem: ServerProblem.nullable().optional(),
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
  /** The user confirmed this server's certificate fingerprint: remember it for this server and connect. */
  trustCertificate: {
    channel: 'server:trust-certificate',
    request: z.object({ serverUrl: Settings.shape.serverUrl, fingerprint256: ServerCertificate.shape.fingerprint256 }).strict(),
    response: ConnectionStatus,
  },

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
  /** Staff page and search the audience (the pushed roster carries only the newest listeners). */
  listAudience: {
    channel: 'space:audience',
    request: requests['audience.list'].params,
    response: requests['audience.list'].result,
  },

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
} as const;

/**
 * A server event the Studio passes to the renderer as it is: the payload's schema is the signaling
 * contract's own (the one definition), narrowed to this event's type. `serverEvent` names it so the
 * main process relays every such event through one generic path (StudioService), with no switch.
 */
function relayOf<T extends ServerEvent['type']>(type: T) {
  const isThisType = (e: unknown): e is Extract<ServerEvent, { type: T }> => typeof e === 'object' && e !== null && 'type' in e && e.type === type;
  return { channel: `event:${type}`, payload: ServerEvent.pipe(z.custom<Extract<ServerEvent, { type: T }>>(isThisType)), serverEvent: type } as const;
}

/** Server events relayed to the renderer unchanged (IPC event name -> the signaling event). */
export const relayedIpcEvents = {
  onRoster: relayOf('space.roster'),
  onSelf: relayOf('space.self'),
  onReaction: relayOf('space.reaction'),
  /** A busy room's reactions, counted per window instead of one by one. */
  onReactionCounts: relayOf('space.reactions'),
  onSpeaking: relayOf('space.speaking'),
  onMediaReset: relayOf('media.reset'),
  onStaffPads: relayOf('staff.pads'),
  /** To the host's Studio: a producer or co-host asked for this pad. */
  onCue: relayOf('staff.cue'),
  onStaffNote: relayOf('staff.note'),
  onRecordingState: relayOf('recording.state'),
} as const;
export type RelayedEventName = keyof typeof relayedIpcEvents;

/** Calls the renderer makes: method name -> channel, request and response schemas. */
export const ipcCalls = { ...coreIpcCalls, ...soundboardIpcCalls, ...deviceIpcCalls, ...scheduleIpcCalls, ...transcriptIpcCalls, ...iceIpcCalls, ...mediaIpcCalls, ...multitrackIpcCalls, ...recordingIpcCalls, ...podcastIpcCalls, ...analyticsIpcCalls } as const;
/** Events the main process pushes to the renderer. */
export const ipcEvents = { ...coreIpcEvents, ...soundboardIpcEvents, ...deviceIpcEvents, ...scheduleIpcEvents, ...transcriptIpcEvents, ...multitrackIpcEvents, ...relayedIpcEvents } as const;

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

/** One call's handler: takes the validated request, resolves to exactly the contract's response. */
export type IpcHandler<K extends IpcCallName> = (request: IpcParsedRequest<K>) => Promise<IpcResponse<K>> | IpcResponse<K>;

/**
 * Who answers each call: an object with a method of the call's name (a service, or a small object
 * literal). The compiler checks each entry against the contract (request and response), so a
 * service whose method returns something else than the zod response does not compile; the
 * dispatcher calls the method on its object, so no binding (and no cast) is needed.
 */
export type IpcHandlerTable = { [K in IpcCallName]: { [P in K]: IpcHandler<P> } };

/** The contract seen per call name, so generic code keeps request and response correlated. */
export const ipcContract: { [K in IpcCallName]: { channel: string; request: z.ZodType<IpcParsedRequest<K>, IpcRequest<K>>; response: z.ZodType<IpcResponse<K>, unknown> } } = ipcCalls;
