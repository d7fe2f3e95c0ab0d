import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { AppError } from '../../shared/errors.js';
import { JanusMessage, pluginError, type Jsep } from './protocol.js';

const REQUEST_TIMEOUT_MS = 10_000;
const KEEPALIVE_MS = 25_000;

export interface PluginEvent {
  data: Record<string, unknown>;
  jsep?: Jsep;
}

interface Pending {
  resolve: (m: JanusMessage) => void;
  reject: (e: Error) => void;
  /** Async plugin requests are answered by an `ack` and then an `event`; wait for the event. */
  awaitEvent: boolean;
  timer: NodeJS.Timeout;
}

/**
 * One WebSocket to Janus holding one Janus session. Emits `close` when the connection or the
 * session is lost; everything created through it is dead from then on.
 */
export class JanusSession extends EventEmitter {
  private readonly pending = new Map<string, Pending>();
  private readonly handles = new Map<number, JanusHandle>();
  private keepalive?: NodeJS.Timeout;
  private closed = false;
  sessionId = 0;

  private constructor(
    private readonly ws: WebSocket,
    private readonly apiSecret?: string,
  ) {
    super();
    ws.on('message', (raw) => this.onMessage(raw.toString()));
    ws.on('close', () => this.shutdown('connection to Janus closed'));
    ws.on('error', () => this.shutdown('connection to Janus failed'));
  }

  static async open(url: string, apiSecret?: string): Promise<JanusSession> {
    const ws = new WebSocket(url, 'janus-protocol', { handshakeTimeout: 3000 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', (e) => reject(new AppError('media_unavailable', `cannot reach Janus at ${url}: ${e.message}`)));
    });
    const session = new JanusSession(ws, apiSecret);
    const created = await session.send({ janus: 'create' });
    session.sessionId = created.data?.id ?? 0;
    if (!session.sessionId) throw new AppError('media_unavailable', 'Janus did not create a session');
    session.keepalive = setInterval(() => {
      session.send({ janus: 'keepalive', session_id: session.sessionId }).catch(() => undefined);
    }, KEEPALIVE_MS);
    return session;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  async attach(plugin: string): Promise<JanusHandle> {
    const reply = await this.send({ janus: 'attach', session_id: this.sessionId, plugin });
    const id = reply.data?.id;
    if (!id) throw new AppError('media_unavailable', `Janus did not attach ${plugin}`);
    const handle = new JanusHandle(this, id);
    this.handles.set(id, handle);
    return handle;
  }

  /** @internal used by handles */
  forget(handleId: number): void {
    this.handles.delete(handleId);
  }

  /** Sends a Janus request and resolves with its reply (or, for async plugin requests, its event). */
  send(body: Record<string, unknown>, awaitEvent = false): Promise<JanusMessage> {
    if (this.closed) return Promise.reject(new AppError('media_unavailable', 'Janus is not connected'));
    const transaction = randomBytes(9).toString('base64url');
    const message = { ...body, transaction, ...(this.apiSecret ? { apisecret: this.apiSecret } : {}) };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new AppError('timeout', `Janus did not answer ${String(body.janus)} in time`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(transaction, { resolve, reject, awaitEvent, timer });
      this.ws.send(JSON.stringify(message));
    });
  }

  close(): void {
    this.shutdown('closed by the server');
    this.ws.close();
  }

  private onMessage(text: string): void {
    let parsed: JanusMessage;
    try {
      parsed = JanusMessage.parse(JSON.parse(text));
    } catch {
      return; // Janus never sends malformed JSON; ignore rather than crash if it does
    }
    const pending = parsed.transaction ? this.pending.get(parsed.transaction) : undefined;
    if (pending) {
      // Async plugin requests are acked first; keepalives are answered by the ack alone.
      if (parsed.janus === 'ack' && pending.awaitEvent) return;
      this.pending.delete(parsed.transaction!);
      clearTimeout(pending.timer);
      if (parsed.janus === 'error') {
        pending.reject(new AppError('media_unavailable', `Janus: ${parsed.error?.reason ?? 'error'}`));
        return;
      }
      pending.resolve(parsed);
      return;
    }
    if (parsed.janus === 'timeout') {
      this.shutdown('Janus session timed out');
      return;
    }
    const handle = parsed.sender ? this.handles.get(parsed.sender) : undefined;
    handle?.dispatch(parsed);
  }

  private shutdown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new AppError('media_unavailable', reason));
    }
    this.pending.clear();
    for (const h of this.handles.values()) h.emit('detached');
    this.handles.clear();
    this.emit('close', reason);
  }
}

/** A handle attached to one Janus plugin. Emits `event` (unsolicited plugin events), `hangup`, `webrtcup`, `detached`. */
export class JanusHandle extends EventEmitter {
  constructor(
    private readonly session: JanusSession,
    readonly id: number,
  ) {
    super();
  }

  /** A synchronous plugin request (create, destroy, rtp_forward, list...): resolves with the plugin's data. */
  async request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const reply = await this.session.send(this.envelope(body));
    return this.unwrap(reply).data;
  }

  /** An asynchronous plugin request (join, watch, start, configure): resolves with the plugin's event. */
  async message(body: Record<string, unknown>, jsep?: Jsep): Promise<PluginEvent> {
    const reply = await this.session.send(this.envelope(body, jsep), true);
    return this.unwrap(reply);
  }

  async detach(): Promise<void> {
    this.session.forget(this.id);
    if (!this.session.isOpen) return;
    await this.session
      .send({ janus: 'detach', session_id: this.session.sessionId, handle_id: this.id })
      .catch(() => undefined);
  }

  /** @internal */
  dispatch(m: JanusMessage): void {
    if (m.janus === 'event' && m.plugindata) this.emit('event', { data: m.plugindata.data, jsep: m.jsep } satisfies PluginEvent);
    else if (m.janus === 'hangup' || m.janus === 'webrtcup' || m.janus === 'media' || m.janus === 'detached') this.emit(m.janus, m);
  }

  private envelope(body: Record<string, unknown>, jsep?: Jsep): Record<string, unknown> {
    return {
      janus: 'message',
      session_id: this.session.sessionId,
      handle_id: this.id,
      body,
      ...(jsep ? { jsep } : {}),
    };
  }

  private unwrap(reply: JanusMessage): PluginEvent {
    const data = reply.plugindata?.data;
    if (!data) throw new AppError('media_unavailable', `Janus replied ${reply.janus} without plugin data`);
    const err = pluginError(data);
    if (err) throw new AppError('media_unavailable', `Janus plugin: ${err}`);
    return { data, jsep: reply.jsep };
  }
}
