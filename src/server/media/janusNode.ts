import { EventEmitter } from 'node:events';
import { AppError } from '../../shared/errors.js';
import { AudioBridgeAdmin, StreamingAdmin } from '../janus/plugins.js';
import { JanusSession, type JanusHandle } from '../janus/client.js';

export interface JanusNodeOptions {
  /** `local` for the server's own Janus; external nodes are named by their URL. */
  id: string;
  url: string;
  apiSecret?: string;
  adminKey?: string;
  /**
   * The node's address for plain RTP: its Streaming mountpoints listen there and the stage's
   * forwards (from any node) are sent there, so every node must reach it.
   */
  mediaAddress: string;
  /** UDP ports on `mediaAddress` for this node's mountpoints (one per Space with listeners here). */
  forwardPorts: [number, number];
  /** Most listeners placed on this node. */
  cap: number;
  /** Retry interval while the node is unreachable. */
  reconnectMs: number;
}

/**
 * One Janus media node as the pool sees it: a Janus session with the two plugin handles used to
 * manage rooms and mountpoints, kept connected (retrying while the node is away), plus the UDP
 * ports its mountpoints use. It knows nothing of Spaces. Events: `up`, `down` (reason).
 */
export class JanusNode extends EventEmitter<{ up: []; down: [string] }> {
  private session?: JanusSession;
  private audiobridge?: JanusHandle;
  private streaming?: JanusHandle;
  private connecting?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly usedPorts = new Set<number>();
  /** Listeners placed here (counted at placement, so bursts spread before Janus answers). */
  placed = 0;
  stages = 0;

  constructor(readonly options: JanusNodeOptions) {
    super();
  }

  get id(): string {
    return this.options.id;
  }

  get cap(): number {
    return this.options.cap;
  }

  get isUp(): boolean {
    return !!this.session?.isOpen && !!this.audiobridge && !!this.streaming;
  }

  /** Connects, retrying until the node answers or `timeoutMs` passes; keeps retrying in the background after. */
  async start(timeoutMs: number): Promise<void> {
    this.stopped = false;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.connect();
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          this.scheduleRetry();
          throw err;
        }
        await new Promise((r) => setTimeout(r, this.options.reconnectMs));
      }
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const session = this.session;
    this.session = this.audiobridge = this.streaming = undefined;
    session?.close();
  }

  /** The session and the typed plugin APIs, or `media_unavailable` while the node is away. */
  require(): { session: JanusSession; audiobridge: AudioBridgeAdmin; streaming: StreamingAdmin } {
    if (!this.session?.isOpen || !this.audiobridge || !this.streaming) {
      throw new AppError('media_unavailable', `media node ${this.id} is not reachable; try again in a moment`);
    }
    const adminKey: Record<string, string> = this.options.adminKey ? { admin_key: this.options.adminKey } : {};
    return { session: this.session, audiobridge: new AudioBridgeAdmin(this.audiobridge, adminKey), streaming: new StreamingAdmin(this.streaming, adminKey) };
  }

  /** Reserves an even UDP port (RTP convention; the odd one is left for RTCP) for a mountpoint. */
  takePort(): number {
    const [lo, hi] = this.options.forwardPorts;
    for (let port = lo + (lo % 2); port <= hi; port += 2) {
      if (this.usedPorts.has(port)) continue;
      this.usedPorts.add(port);
      return port;
    }
    throw new AppError('media_unavailable', `media node ${this.id} has no free mountpoint port`);
  }

  releasePort(port: number): void {
    this.usedPorts.delete(port);
  }

  private connect(): Promise<void> {
    this.connecting ??= this.doConnect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    const session = await JanusSession.open(this.options.url, this.options.apiSecret);
    try {
      this.audiobridge = await session.attach('janus.plugin.audiobridge');
      this.streaming = await session.attach('janus.plugin.streaming');
    } catch (err) {
      session.close();
      throw err;
    }
    if (this.stopped) {
      session.close();
      return;
    }
    this.session = session;
    session.once('close', (reason: string) => this.onLost(session, reason));
    this.emit('up');
  }

  private onLost(session: JanusSession, reason: string): void {
    if (this.session !== session) return;
    this.session = this.audiobridge = this.streaming = undefined;
    // Everything on the node died with it: its mountpoints' ports are free again.
    this.usedPorts.clear();
    this.placed = 0;
    this.stages = 0;
    this.emit('down', reason);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.stopped || this.isUp) return;
      this.connect().catch(() => this.scheduleRetry());
    }, this.options.reconnectMs);
  }
}
