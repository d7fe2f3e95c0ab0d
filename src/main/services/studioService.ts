import WebSocket from 'ws';
import { AppError } from '../../shared/errors.js';
import type { ConnectionStatus, HostedSpace, IpcEventName, IpcEventPayload, IpcRequest, IpcResponse, Settings } from '../../shared/ipc.js';
import { SignalingClient } from '../../shared/signalingClient.js';
import type { SpacePublic } from '../../shared/space.js';
import type { HostedSpaces } from './hostedSpaces.js';
import type { SettingsStore } from './settingsStore.js';

export type EventSink = <K extends IpcEventName>(event: K, payload: IpcEventPayload<K>) => void;

/** Where the Studio tells the shell a broadcast is on air (Electron: power save blocker, no throttling). */
export type OnAirHook = (onAir: boolean) => void;

function wsUrlOf(serverUrl: string): string {
  const u = new URL(serverUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = '/ws';
  u.search = '';
  return u.toString();
}

/**
 * The Studio's main-process service: holds the connection to the Space server and the host's
 * credentials (the renderer never sees a host token), and implements the IPC contract.
 * Plain TypeScript: the Electron shell and the browser-mode bridge both wire it up.
 */
export class StudioService {
  private client?: SignalingClient;
  private onAir = false;

  constructor(
    private readonly settings: SettingsStore,
    private readonly hosted: HostedSpaces,
    private readonly emit: EventSink,
    private readonly onAirHook: OnAirHook = () => undefined,
  ) {}

  getSettings(): Settings {
    return this.settings.get();
  }

  updateSettings(patch: IpcRequest<'updateSettings'>): Settings {
    return this.settings.update(patch);
  }

  getStatus(): ConnectionStatus {
    const c = this.client;
    return { state: c?.state ?? 'disconnected', serverUrl: c ? this.serverUrl() : this.settings.get().serverUrl, error: c?.lastError ?? null };
  }

  async connect(req: IpcRequest<'connect'>): Promise<ConnectionStatus> {
    const url = new URL(req.serverUrl).origin;
    this.settings.update({ serverUrl: url });
    this.client?.close();
    const client = new SignalingClient(wsUrlOf(url), (u) => new WebSocket(u, { handshakeTimeout: 5000 }));
    this.client = client;
    client.onState((state, error) => {
      if (this.client === client) this.emit('onStatus', { state, serverUrl: url, error });
    });
    client.onEvent((e) => {
      if (e.type === 'space.updated') this.emit('onSpaceUpdated', this.hostedView(e.space));
      else this.emit('onMediaReset', { spaceId: e.spaceId, reason: e.reason });
    });
    try {
      await client.connect();
    } catch {
      // keeps retrying in the background; the status says why it is not connected
    }
    return this.getStatus();
  }

  async createSpace(req: IpcRequest<'createSpace'>): Promise<HostedSpace> {
    const { hostName } = this.settings.get();
    const { space, hostToken } = await this.requireClient().request('space.create', { title: req.title, hostName });
    this.hosted.save(this.serverUrl(), space.id, hostToken);
    return this.hostedView(space);
  }

  async goLive(req: IpcRequest<'goLive'>): Promise<IpcResponse<'goLive'>> {
    const client = this.requireClient();
    const { sdp, space } = await client.request('stage.join', { spaceId: req.spaceId, hostToken: this.tokenFor(req.spaceId), sdp: req.sdp });
    return { sdp, hosted: this.hostedView(space) };
  }

  async endSpace(req: IpcRequest<'endSpace'>): Promise<HostedSpace> {
    const { space } = await this.requireClient().request('space.end', { spaceId: req.spaceId, hostToken: this.tokenFor(req.spaceId) });
    return this.hostedView(space);
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

  private serverUrl(): string {
    return this.settings.get().serverUrl;
  }

  private requireClient(): SignalingClient {
    if (!this.client || this.client.state !== 'connected') {
      throw new AppError('not_connected', 'not connected to a Space server: connect first');
    }
    return this.client;
  }

  private tokenFor(spaceId: string): string {
    const token = this.hosted.token(this.serverUrl(), spaceId);
    if (!token) throw new AppError('forbidden', 'this Studio is not the host of that Space');
    return token;
  }

  private hostedView(space: SpacePublic): HostedSpace {
    return { space, listenerUrl: `${this.serverUrl()}/s/${space.id}` };
  }
}
