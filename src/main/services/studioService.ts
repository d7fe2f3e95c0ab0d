import { AppError } from '../../shared/errors.js';
import type { AccountPublic, SignedIn } from '../../shared/account.js';
import { ipcEvents, relayedIpcEvents, type ConnectionStatus, type HostedSpace, type ServerCertificate, type ServerProblem, type IpcEventName, type IpcEventPayload, type IpcParsedRequest, type IpcRequest, type IpcResponse, type RelayedEventName, type Settings } from '../../shared/ipc.js';
import { SignalingClient } from '../../shared/signalingClient.js';
import type { RequestParams, RequestResult, RequestType, ServerEvent } from '../../shared/signaling.js';
import type { SpacePublic } from '../../shared/space.js';
import type { ServerSessions } from './serverSessions.js';
import type { SettingsStore } from './settingsStore.js';
import { diagnoseServer, openServerSocket, type ServerDiagnosis, type TrustedServers } from './serverTrust.js';

/** A failed diagnosis as the status carries it: the sentence (English, for logs) and its kind. */
function problemOf(url: string, d: Exclude<ServerDiagnosis, { kind: 'ok' } | { kind: 'pinned' }>): { error: string; certificate: ServerCertificate | null; problem: ServerProblem } {
  return {
    error: d.message,
    certificate: 'certificate' in d ? d.certificate : null,
    problem: { kind: d.kind, server: new URL(url).host, ...(d.kind === 'use_https' ? { httpsUrl: d.httpsUrl } : {}) },
  };
}

export type EventSink = <K extends IpcEventName>(event: K, payload: IpcEventPayload<K>) => void;

/** Which IPC event carries each relayed server event (from the contract's table). */
const relayedEventByServerType = new Map<ServerEvent['type'], RelayedEventName>(
  (Object.keys(relayedIpcEvents) as RelayedEventName[]).map((name) => [relayedIpcEvents[name].serverEvent, name]),
);

/**
 * Sends a server event to the renderer as the IPC event `name`. The compiler sees only "one of the
 * relayed events"; the pairing of name and payload is checked here at run time, by that event's
 * own schema (which accepts only its server event type).
 */
function relay(emit: (event: RelayedEventName, payload: IpcEventPayload<RelayedEventName>) => void, name: RelayedEventName, e: ServerEvent): void {
  const payload = ipcEvents[name].payload.safeParse(e);
  if (payload.success) emit(name, payload.data);
}

/** Where the Studio tells the shell a broadcast is on air (Electron: power save blocker, no throttling). */
export type OnAirHook = (onAir: boolean) => void;

function wsUrlOf(serverUrl: string): string {
  const u = new URL(serverUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = '/ws';
  u.search = '';
  return u.toString();
}

type MaybeAccount = { account: AccountPublic | null };

/**
 * The Studio's main-process service: holds the connection to the Space server and the session
 * token (the renderer never sees it), and implements the IPC contract. Plain TypeScript: the
 * Electron shell and the browser-mode bridge both wire it up.
 */
export class StudioService {
  private client?: SignalingClient;
  private account: AccountPublic | null = null;
  /** Spaces this Studio is in: re-joined after a reconnect. */
  private readonly joined = new Set<string>();
  private readonly serverEventListeners = new Set<(e: ServerEvent) => void>();
  private onAir = false;

  constructor(
    private readonly settings: SettingsStore,
    private readonly sessions: ServerSessions,
    private readonly emit: EventSink,
    private readonly onAirHook: OnAirHook = () => undefined,
    /** Certificates the user trusted, per server (none: only certificates the system trusts). */
    private readonly trust?: TrustedServers,
  ) {}

  /** Why the last connection attempt failed, in words that say which problem it is. */
  private problem: { error: string; certificate: ServerCertificate | null; problem: ServerProblem } | null = null;

  getSettings(): Settings {
    return this.settings.get();
  }

  updateSettings(patch: IpcRequest<'updateSettings'>): Settings {
    return this.settings.update(patch);
  }

  getStatus(): ConnectionStatus {
    const c = this.client;
    const state = c?.state ?? 'disconnected';
    const problem = state === 'connected' ? null : this.problem;
    return { state, serverUrl: this.serverUrl(), error: problem?.error ?? c?.lastError ?? null, certificate: problem?.certificate ?? null, problem: problem?.problem ?? null };
  }

  /** The user compared the fingerprint and trusts it: only that exact certificate, only for this server. */
  async trustCertificate(req: IpcRequest<'trustCertificate'>): Promise<ConnectionStatus> {
    const url = new URL(req.serverUrl).origin;
    if (!this.trust) throw new AppError('invalid_state', 'this Studio cannot store trusted certificates');
    // The server must still present the certificate the user saw.
    const now = await diagnoseServer(url, req.fingerprint256);
    if (now.kind !== 'pinned' && now.kind !== 'ok') throw new AppError('forbidden', `not trusted: ${now.message}`);
    this.trust.trust(url, req.fingerprint256);
    return this.connect({ serverUrl: url });
  }

  async connect(req: IpcRequest<'connect'>): Promise<ConnectionStatus> {
    const url = new URL(req.serverUrl).origin;
    // Reconnecting to the same server keeps our Spaces (they are re-joined); another server starts afresh.
    if (url !== this.serverUrl()) this.joined.clear();
    this.settings.update({ serverUrl: url });
    this.client?.close();
    this.client = undefined;
    this.setAccount(null);
    this.problem = null;
    const pinned = this.trust?.get(url) ?? null;
    if (url.startsWith('https:')) {
      // The certificate first: one the system does not trust (and the user has not) stops here,
      // with the reason and the fingerprint to compare; no retrying, no fallback.
      const d = await diagnoseServer(url, pinned);
      if (d.kind === 'untrusted' || d.kind === 'changed' || d.kind === 'bad_certificate') {
        this.problem = problemOf(url, d);
        const status = this.getStatus();
        this.emit('onStatus', status);
        return status;
      }
    }
    const client = new SignalingClient(wsUrlOf(url), (u) => openServerSocket(u, pinned));
    this.client = client;
    let connects = 0;
    client.onState((state) => {
      if (this.client !== client) return;
      if (state === 'connected') this.problem = null;
      this.emit('onStatus', this.getStatus());
      if (state === 'connected') void this.afterConnect(client, ++connects > 1);
    });
    client.onEvent((e) => this.deliver(e));
    try {
      await client.connect(); // onState('connected') signs in again and re-joins
    } catch {
      // Keeps retrying in the background; the status says which problem it is (wrong address,
      // refused, not a Space server) rather than only "cannot reach".
      const d = await diagnoseServer(url, pinned);
      if (this.client === client && client.state !== 'connected' && d.kind !== 'ok' && d.kind !== 'pinned') {
        this.problem = problemOf(url, d);
        this.emit('onStatus', this.getStatus());
      }
    }
    return this.getStatus();
  }

  /** After every (re)connect: sign in again with the stored token, and re-enter our Spaces. */
  private afterConnect = async (client: SignalingClient, reconnected: boolean): Promise<void> => {
    const token = this.sessions.token(this.serverUrl());
    if (!token) return;
    try {
      const signedIn = await client.request('auth.resume', { token });
      this.setAccount(signedIn.account);
      for (const spaceId of [...this.joined]) {
        try {
          const joined = await client.request('space.join', { spaceId });
          this.deliver({ type: 'space.self', self: joined.self });
          this.deliver({ type: 'space.roster', roster: joined.roster });
          this.emit('onSpaceUpdated', this.hostedView(joined.space));
          // The connection to the server was lost, and our media with it: negotiate again.
          if (reconnected) this.deliver({ type: 'media.reset', spaceId, reason: 'reconnected to the Space server' });
        } catch {
          this.joined.delete(spaceId);
        }
      }
    } catch (err) {
      if (AppError.from(err).code === 'unauthenticated') this.sessions.forget(this.serverUrl());
    }
  };

  /** Main-process services that follow the Space (transcript names, multitrack markers) see every server event. */
  onServerEvent(listener: (e: ServerEvent) => void): () => void {
    this.serverEventListeners.add(listener);
    return () => this.serverEventListeners.delete(listener);
  }

  /**
   * One path for every server event, whether the server sent it or a join reply stands for it:
   * the main process's listeners, then the renderer (as the contract's relayed IPC event).
   */
  private deliver(e: ServerEvent): void {
    for (const listener of this.serverEventListeners) listener(e);
    if (e.type === 'space.updated') return this.emit('onSpaceUpdated', this.hostedView(e.space));
    if (e.type === 'space.removed') this.joined.delete(e.spaceId);
    const name = relayedEventByServerType.get(e.type);
    if (name) relay(this.emit, name, e);
  }

  getAccount(): MaybeAccount {
    return { account: this.account };
  }

  async register(req: IpcRequest<'register'>): Promise<MaybeAccount> {
    return this.keepSession(await this.requireClient().request('auth.register', req));
  }

  async signIn(req: IpcRequest<'signIn'>): Promise<MaybeAccount> {
    return this.keepSession(await this.requireClient().request('auth.signIn', req));
  }

  async signOut(): Promise<MaybeAccount> {
    if (this.client?.state === 'connected') await this.client.request('auth.signOut', {}).catch(() => undefined);
    this.sessions.forget(this.serverUrl());
    this.joined.clear();
    this.setAccount(null);
    return { account: null };
  }

  async createSpace(req: IpcRequest<'createSpace'>): Promise<HostedSpace> {
    const client = this.requireClient();
    if (!this.account) throw new AppError('unauthenticated', 'sign in to host a Space');
    const { space } = await client.request('space.create', { title: req.title });
    const joined = await client.request('space.join', { spaceId: space.id });
    this.joined.add(space.id);
    this.deliver({ type: 'space.roster', roster: joined.roster });
    this.deliver({ type: 'space.self', self: joined.self });
    return this.hostedView(joined.space);
  }

  /** Enters a Space this account already hosts (a scheduled Space just started), as createSpace does. */
  async enterSpace(spaceId: string): Promise<HostedSpace> {
    const joined = await this.requireClient().request('space.join', { spaceId });
    this.joined.add(spaceId);
    this.deliver({ type: 'space.roster', roster: joined.roster });
    this.deliver({ type: 'space.self', self: joined.self });
    return this.hostedView(joined.space);
  }

  async goLive(req: IpcRequest<'goLive'>): Promise<IpcResponse<'goLive'>> {
    return this.requireClient().request('stage.join', { spaceId: req.spaceId, sdp: req.sdp });
  }

  async endSpace(req: IpcRequest<'endSpace'>): Promise<HostedSpace> {
    const { space } = await this.requireClient().request('space.end', { spaceId: req.spaceId });
    this.joined.delete(req.spaceId);
    return this.hostedView(space);
  }

  async joinSpace(req: IpcRequest<'joinSpace'>): Promise<HostedSpace> {
    const client = this.requireClient();
    if (!this.account) throw new AppError('unauthenticated', 'sign in to join a Space as staff');
    const joined = await client.request('space.join', { spaceId: req.spaceId });
    this.joined.add(req.spaceId);
    this.deliver({ type: 'space.roster', roster: joined.roster });
    this.deliver({ type: 'space.self', self: joined.self });
    return this.hostedView(joined.space);
  }



  /** The generic relay: one Space action, already checked against its signaling schema. */
  spaceAction = (req: IpcParsedRequest<'spaceAction'>): Promise<Record<string, never>> => this.call(req.type, req.params as never);
  /** A page of the audience (search, "Show more"): the server's answer, as the contract says. */
  listAudience(req: IpcParsedRequest<'listAudience'>): Promise<IpcResponse<'listAudience'>> {
    return this.requireClient().request('audience.list', req);
  }

  setOnAir(req: IpcRequest<'setOnAir'>): { onAir: boolean } {
    if (req.onAir !== this.onAir) {
      this.onAir = req.onAir;
      this.onAirHook(req.onAir);
    }
    return { onAir: this.onAir };
  }

  dispose(): void {
    this.client?.close();
    this.client = undefined;
  }

  /** Sends a request to the connected Space server for another main-process service (captions, issue 7). */
  requestOnServer<T extends RequestType>(type: T, params: RequestParams<T>): Promise<RequestResult<T>> {
    return this.requireClient().request(type, params);
  }

  private async call<T extends RequestType>(type: T, params: RequestParams<T>): Promise<Record<string, never>> {
    await this.requireClient().request(type, params);
    return {};
  }

  private keepSession(signedIn: SignedIn): MaybeAccount {
    this.sessions.save(this.serverUrl(), signedIn.token, signedIn.expiresAt);
    this.setAccount(signedIn.account);
    return { account: signedIn.account };
  }

  private setAccount(account: AccountPublic | null): void {
    this.account = account;
    this.emit('onAccount', { account });
  }

  private serverUrl(): string {
    return this.settings.get().serverUrl;
  }

  private requireClient(): SignalingClient {
    if (!this.client || this.client.state !== 'connected') {
      throw new AppError('not_connected', 'not connected to a Space server: connect first');
    }
    return this.client;
  }

  private hostedView(space: SpacePublic): HostedSpace {
    return { space, listenerUrl: `${this.serverUrl()}/s/${space.id}` };
  }
}
