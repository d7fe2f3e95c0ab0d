import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppError, describeIssues } from '../shared/errors.js';
import {
  ClientEnvelope,
  MAX_MESSAGE_BYTES,
  requests,
  type RequestParams,
  type RequestType,
  type ServerMessage,
} from '../shared/signaling.js';
import type { ClientHub } from './clientHub.js';
import type { AllHandlers, Connection, Handler } from './feature.js';
import type { Participant } from './spaces/participant.js';
import type { Logger } from './operator/logging.js';

/** Told of every answered request (operator metrics): its type, how long it took, its error code if it failed. */
export type RequestObserver = (type: RequestType, seconds: number, errorCode: string | null) => void;

export type { Connection, Handler } from './feature.js';

/** Hard cap at the socket level; between this and MAX_MESSAGE_BYTES the client gets a typed error. */
const SOCKET_MAX_PAYLOAD = 1024 * 1024;
const HEARTBEAT_MS = 30_000;

/**
 * The WebSocket transport at /ws: upgrade (origin check), parse, validate every message against
 * the shared contract, dispatch it to the feature handler of its type, answer with a reply or a
 * typed error, and keep connections alive (heartbeat). It knows no feature: the handlers come
 * from the feature folders' `handlers.ts`. A bad message never closes the connection or changes
 * a Space.
 */
export class SignalingServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: SOCKET_MAX_PAYLOAD });
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly hub: ClientHub,
    /** A handler for every request type of the contract. */
    private readonly handlers: AllHandlers,
    private readonly allowedOrigins: (origin: string, host: string | undefined) => boolean,
    /** Told when a connection closes (its presence in Spaces ends). */
    private readonly onClose: (p: Participant) => Promise<void>,
    private readonly log: Logger,
    private readonly observe: RequestObserver = () => undefined,
  ) {
    this.heartbeat = setInterval(() => this.checkAlive(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get connectionCount(): number {
    return this.hub.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const origin = req.headers.origin;
    if (origin && !this.allowedOrigins(origin, req.headers.host)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.hub.close();
    this.wss.close();
  }

  private accept(ws: WebSocket): void {
    const c = this.hub.add(ws);
    ws.on('pong', () => (c.alive = true));
    ws.on('message', (data, isBinary) => {
      // A connection being cut for not reading gets no more work done for it.
      if (!c.closing) void this.onMessage(c, data as Buffer, isBinary);
    });
    ws.on('close', () => {
      this.hub.remove(c);
      void this.onClose(c.participant).catch(() => undefined);
    });
    ws.on('error', () => ws.terminate());
  }

  private async onMessage(c: Connection, data: Buffer, isBinary: boolean): Promise<void> {
    if (data.length > MAX_MESSAGE_BYTES) {
      return this.send(c, { type: 'error', id: null, error: { code: 'too_large', message: `messages are limited to ${MAX_MESSAGE_BYTES} bytes` } });
    }
    let json: unknown;
    try {
      if (isBinary) throw new Error('binary');
      json = JSON.parse(data.toString('utf8'));
    } catch {
      return this.send(c, { type: 'error', id: null, error: { code: 'bad_message', message: 'messages must be JSON text' } });
    }
    const envelope = ClientEnvelope.safeParse(json);
    if (!envelope.success) {
      return this.send(c, { type: 'error', id: null, error: { code: 'bad_message', message: describeIssues(envelope.error) } });
    }
    const { id, type, params } = envelope.data;
    if (!Object.hasOwn(requests, type)) {
      return this.send(c, { type: 'error', id, error: { code: 'unknown_type', message: `unknown message type "${type}"` } });
    }
    const requestType = type as RequestType;
    const parsed = requests[requestType].params.safeParse(params ?? {});
    if (!parsed.success) {
      return this.send(c, { type: 'error', id, error: { code: 'bad_message', message: describeIssues(parsed.error) } });
    }
    const started = performance.now();
    let errorCode: string | null = null;
    try {
      const handler = this.handlers[requestType] as Handler<RequestType>;
      const result = await handler(c, parsed.data as RequestParams<RequestType>);
      this.send(c, { type: 'reply', id, result });
    } catch (err) {
      const error = AppError.from(err);
      errorCode = error.code;
      if (error.code === 'internal') this.log.error({ err, conn: c.participant.id, reqId: id, type }, 'request failed');
      this.send(c, { type: 'error', id, error: error.toBody() });
    }
    const seconds = (performance.now() - started) / 1000;
    this.observe(requestType, seconds, errorCode);
    // Only the type and outcome: parameters (passwords, tokens) never reach the log.
    if (this.log.isLevelEnabled('debug')) this.log.debug({ conn: c.participant.id, reqId: id, type, ms: Math.round(seconds * 1000), error: errorCode }, 'request');
  }

  private send(c: Connection, message: ServerMessage): void {
    this.hub.send(c, message);
  }

  private checkAlive(): void {
    for (const c of this.hub.all()) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}
