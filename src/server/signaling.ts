import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppError, describeIssues } from '../shared/errors.js';
import {
  ClientEnvelope,
  MAX_MESSAGE_BYTES,
  requests,
  type RequestParams,
  type RequestResult,
  type RequestType,
  type ServerMessage,
} from '../shared/signaling.js';
import type { SpacePublic } from '../shared/space.js';
import { newParticipant, type Participant, type SpaceService } from './spaces.js';

/** Hard cap at the socket level; between this and MAX_MESSAGE_BYTES the client gets a typed error. */
const SOCKET_MAX_PAYLOAD = 1024 * 1024;
const HEARTBEAT_MS = 30_000;

interface Connection {
  ws: WebSocket;
  participant: Participant;
  /** Spaces whose events this connection receives. */
  spaces: Set<string>;
  alive: boolean;
}

type Handler<T extends RequestType> = (c: Connection, p: RequestParams<T>) => Promise<RequestResult<T>> | RequestResult<T>;

/**
 * The WebSocket API at /ws: validates every message against the shared contract, dispatches
 * it to the SpaceService, and answers with a reply or a typed error. A bad message never
 * closes the connection or changes a Space.
 */
export class SignalingServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: SOCKET_MAX_PAYLOAD });
  private readonly connections = new Set<Connection>();
  private readonly heartbeat: NodeJS.Timeout;

  private readonly handlers: { [T in RequestType]: Handler<T> } = {
    'space.create': (c, p) => {
      const created = this.spaces.create(p.title, p.hostName);
      c.spaces.add(created.space.id);
      return created;
    },
    'space.watch': (c, p) => {
      const space = this.spaces.get(p.spaceId);
      c.spaces.add(p.spaceId);
      return { space };
    },
    'stage.join': async (c, p) => {
      const result = await this.spaces.joinStage(c.participant, p.spaceId, p.hostToken, p.sdp);
      c.spaces.add(p.spaceId);
      return result;
    },
    'space.end': async (_c, p) => ({ space: await this.spaces.end(p.spaceId, p.hostToken) }),
    'listen.start': async (c, p) => {
      const sdp = await this.spaces.startListening(c.participant, p.spaceId);
      c.spaces.add(p.spaceId);
      return { sdp };
    },
    'listen.answer': async (c, p) => {
      await this.spaces.answerListening(c.participant, p.spaceId, p.sdp);
      return {};
    },
    'listen.stop': async (c, p) => {
      await this.spaces.stopListening(c.participant, p.spaceId);
      return {};
    },
  };

  constructor(
    private readonly spaces: SpaceService,
    private readonly allowedOrigins: (origin: string, host: string | undefined) => boolean,
  ) {
    spaces.on('updated', (space: SpacePublic) => this.publish(space.id, { type: 'space.updated', space }));
    spaces.on('reset', (spaceId: string, reason: string) => this.publish(spaceId, { type: 'media.reset', spaceId, reason }));
    this.heartbeat = setInterval(() => this.checkAlive(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get connectionCount(): number {
    return this.connections.size;
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
    for (const c of this.connections) c.ws.terminate();
    this.wss.close();
  }

  private accept(ws: WebSocket): void {
    const c: Connection = { ws, participant: newParticipant(), spaces: new Set(), alive: true };
    this.connections.add(c);
    ws.on('pong', () => (c.alive = true));
    ws.on('message', (data, isBinary) => {
      void this.onMessage(c, data as Buffer, isBinary);
    });
    ws.on('close', () => {
      this.connections.delete(c);
      void this.spaces.disconnect(c.participant).catch(() => undefined);
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
    try {
      const handler = this.handlers[requestType] as Handler<RequestType>;
      const result = await handler(c, parsed.data as RequestParams<RequestType>);
      this.send(c, { type: 'reply', id, result });
    } catch (err) {
      this.send(c, { type: 'error', id, error: AppError.from(err).toBody() });
    }
  }

  private publish(spaceId: string, message: ServerMessage): void {
    const text = JSON.stringify(message);
    for (const c of this.connections) if (c.spaces.has(spaceId) && c.ws.readyState === c.ws.OPEN) c.ws.send(text);
  }

  private send(c: Connection, message: ServerMessage): void {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(message));
  }

  private checkAlive(): void {
    for (const c of this.connections) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}
