import { AppError } from './errors.js';
import {
  ServerMessage,
  requests,
  type RequestParams,
  type RequestResult,
  type RequestType,
  type ServerEvent,
} from './signaling.js';

/** The part of the WebSocket API shared by browsers and the `ws` package. */
interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error', fn: () => void): void;
  addEventListener(type: 'message', fn: (e: { data: unknown }) => void): void;
}
export type SocketFactory = (url: string) => SocketLike;

export type SignalingState = 'connecting' | 'connected' | 'disconnected';

const OPEN = 1;

/**
 * A client of the Space server's /ws API, used by the listener page (browser WebSocket) and the
 * Studio's main process (`ws`). Reconnects with backoff; every reply and event is validated.
 */
export class SignalingClient {
  private socket?: SocketLike;
  private nextId = 1;
  private readonly pending = new Map<string, { type: RequestType; resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private readonly eventListeners = new Set<(e: ServerEvent) => void>();
  private readonly stateListeners = new Set<(s: SignalingState, error: string | null) => void>();
  private retryDelay = 250;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private closed = false;
  private opened?: Promise<void>;
  private waiter?: { resolve: () => void; reject: (e: Error) => void };
  state: SignalingState = 'disconnected';
  lastError: string | null = null;

  constructor(
    readonly url: string,
    private readonly factory: SocketFactory,
    private readonly timeoutMs = 15_000,
  ) {}

  /**
   * Opens the connection; resolves once connected, rejects if the attempt in progress fails
   * (background retries go on). Joins an attempt already under way rather than starting another.
   */
  connect(): Promise<void> {
    this.closed = false;
    if (this.state === 'connected') return Promise.resolve();
    this.opened ??= new Promise<void>((resolve, reject) => {
      this.waiter = { resolve, reject };
      if (!this.socket) {
        clearTimeout(this.retryTimer);
        this.open();
      }
    });
    return this.opened;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.socket?.close();
    this.fail('the connection was closed');
    this.setState('disconnected', null);
  }

  onEvent(fn: (e: ServerEvent) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  onState(fn: (s: SignalingState, error: string | null) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  request<T extends RequestType>(type: T, params: RequestParams<T>): Promise<RequestResult<T>> {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN || this.state !== 'connected') {
      return Promise.reject(new AppError('not_connected', `not connected to the Space server at ${this.url}`));
    }
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AppError('timeout', `the Space server did not answer "${type}" in time`));
      }, this.timeoutMs);
      this.pending.set(id, { type, resolve: resolve as (v: unknown) => void, reject, timer });
      socket.send(JSON.stringify({ id, type, params }));
    });
  }

  /** Settles the caller of connect(), if any, with this attempt's outcome. */
  private settle(error?: Error): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    this.opened = undefined;
    if (error) waiter?.reject(error);
    else waiter?.resolve();
  }

  private open(): void {
    this.setState('connecting', this.lastError);
    let socket: SocketLike;
    try {
      socket = this.factory(this.url);
    } catch (err) {
      this.settle(new AppError('not_connected', `invalid server address: ${(err as Error).message}`));
      return;
    }
    this.socket = socket;
    let wasOpen = false;
    socket.addEventListener('open', () => {
      wasOpen = true;
      this.retryDelay = 250;
      this.setState('connected', null);
      this.settle();
    });
    socket.addEventListener('message', (e) => this.onMessage(e.data));
    socket.addEventListener('error', () => undefined);
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      const error = wasOpen ? 'connection to the Space server lost' : `cannot reach the Space server at ${this.url}`;
      this.fail(error);
      if (!wasOpen) this.settle(new AppError('not_connected', error));
      if (this.closed) return;
      this.setState('disconnected', error);
      // Retry soon (a restarting server is back in seconds) but spread the load of many clients.
      this.retryTimer = setTimeout(() => this.open(), this.retryDelay * (0.75 + Math.random() / 2));
      this.retryDelay = Math.min(this.retryDelay * 1.5, 1000);
    });
  }

  private onMessage(data: unknown): void {
    let msg: ServerMessage;
    try {
      msg = ServerMessage.parse(JSON.parse(String(data)));
    } catch {
      return; // a server that speaks another protocol: ignore the message
    }
    if (msg.type === 'reply' || msg.type === 'error') {
      const p = msg.id ? this.pending.get(msg.id) : undefined;
      if (!p) return;
      this.pending.delete(msg.id!);
      clearTimeout(p.timer);
      if (msg.type === 'error') return p.reject(new AppError(msg.error.code, msg.error.message));
      const parsed = requests[p.type].result.safeParse(msg.result);
      if (parsed.success) p.resolve(parsed.data);
      else p.reject(new AppError('bad_message', 'the Space server sent a reply this client does not understand'));
      return;
    }
    for (const fn of this.eventListeners) fn(msg);
  }

  private fail(reason: string): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new AppError('not_connected', reason));
    }
    this.pending.clear();
  }

  private setState(state: SignalingState, error: string | null): void {
    this.state = state;
    this.lastError = error;
    for (const fn of this.stateListeners) fn(state, error);
  }
}
