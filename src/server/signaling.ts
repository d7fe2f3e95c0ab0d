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
  type CoreRequestType,
  type RequestType,
  type ServerMessage,
} from '../shared/signaling.js';
import type { SignedIn } from '../shared/account.js';
import type { AccountService } from './accounts/service.js';
import type { ClientHub, Connection } from './clientHub.js';
import type { SpaceService } from './spaces/service.js';

export type { Connection } from './clientHub.js';

const done = (_: unknown): Record<string, never> => ({});

/** What a feature module supplies: a handler for each request type it adds to the protocol. */
export type FeatureHandlers = { [T in Exclude<RequestType, CoreRequestType>]: Handler<T> };

/** Hard cap at the socket level; between this and MAX_MESSAGE_BYTES the client gets a typed error. */
const SOCKET_MAX_PAYLOAD = 1024 * 1024;
const HEARTBEAT_MS = 30_000;

export type Handler<T extends RequestType> = (c: Connection, p: RequestParams<T>) => Promise<RequestResult<T>> | RequestResult<T>;

/**
 * The WebSocket API at /ws: validates every message against the shared contract, dispatches
 * it to the SpaceService, and answers with a reply or a typed error. A bad message never
 * closes the connection or changes a Space.
 */
export class SignalingServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: SOCKET_MAX_PAYLOAD });
  private readonly heartbeat: NodeJS.Timeout;

  private readonly core: { [T in CoreRequestType]: Handler<T> } = {
    'auth.register': async (c, p) => this.signIn(c, await this.accounts.register(p.handle, p.displayName, p.password)),
    'auth.signIn': async (c, p) => this.signIn(c, await this.accounts.signIn(p.handle, p.password)),
    'auth.resume': (c, p) => this.signIn(c, this.accounts.resume(p.token)),
    'auth.signOut': async (c) => {
      if (c.participant.token) this.accounts.signOut(c.participant.token);
      await this.spaces.signedOut(c.participant);
      return {};
    },
    'account.get': (c, p) => {
      const account = this.accounts.get(p.handle);
      const me = c.participant.identity.accountId;
      return { account, following: !!me && this.accounts.isFollowing(me, account.id) };
    },
    'account.follow': (c, p) => ({ account: this.accounts.follow(this.requireAccount(c), p.handle) }),
    'account.unfollow': (c, p) => ({ account: this.accounts.unfollow(this.requireAccount(c), p.handle) }),

    'space.create': (c, p) => {
      const account = this.accounts.resume(this.requireToken(c)).account;
      this.accounts.assertMayHost(account);
      const space = this.spaces.create(account, p.title);
      c.follow(space.id);
      return { space };
    },
    'space.watch': (c, p) => {
      const space = this.spaces.get(p.spaceId);
      c.follow(p.spaceId);
      return { space };
    },
    'space.join': (c, p) => {
      const joined = this.spaces.join(c.participant, p.spaceId, p.displayName);
      c.follow(p.spaceId);
      return joined;
    },
    'space.leave': async (c, p) => {
      await this.spaces.leave(c.participant, p.spaceId, p.handTo);
      return {};
    },
    'space.end': async (c, p) => ({ space: await this.spaces.end(c.participant, p.spaceId) }),
    'stage.join': async (c, p) => ({ sdp: await this.spaces.joinStage(c.participant, p.spaceId, p.sdp) }),
    'listen.start': async (c, p) => ({ sdp: await this.spaces.startListening(c.participant, p.spaceId) }),
    'listen.answer': async (c, p) => {
      await this.spaces.answerListening(c.participant, p.spaceId, p.sdp);
      return {};
    },
    'listen.stop': async (c, p) => {
      await this.spaces.stopListening(c.participant, p.spaceId);
      return {};
    },
    'request.raise': (c, p) => done(this.spaces.raiseRequest(c.participant, p.spaceId)),
    'request.cancel': (c, p) => done(this.spaces.cancelRequest(c.participant, p.spaceId)),
    'request.approve': (c, p) => done(this.spaces.approve(c.participant, p.spaceId, p.memberId)),
    'request.deny': (c, p) => done(this.spaces.deny(c.participant, p.spaceId, p.memberId)),
    'invite.send': (c, p) => done(this.spaces.invite(c.participant, p.spaceId, p.memberId)),
    'invite.accept': (c, p) => done(this.spaces.acceptInvite(c.participant, p.spaceId)),
    'invite.decline': (c, p) => done(this.spaces.declineInvite(c.participant, p.spaceId)),
    'stage.toAudience': async (c, p) => done(await this.spaces.toAudience(c.participant, p.spaceId, p.memberId)),
    'member.mute': async (c, p) => done(await this.spaces.mute(c.participant, p.spaceId, p.memberId)),
    'member.unmute': async (c, p) => done(await this.spaces.unmute(c.participant, p.spaceId)),
    'member.remove': async (c, p) => done(await this.spaces.remove(c.participant, p.spaceId, p.memberId)),
    'cohost.add': (c, p) => done(this.spaces.addCohost(c.participant, p.spaceId, p.memberId)),
    'cohost.remove': (c, p) => done(this.spaces.removeCohost(c.participant, p.spaceId, p.memberId)),
    'reaction.send': (c, p) => done(this.spaces.react(c.participant, p.spaceId, p.reaction)),
    'audience.list': (c, p) => this.spaces.audiencePage(c.participant, p.spaceId, p.query, p.offset, p.limit),
    'producer.add': (c, p) => done(this.spaces.addProducer(c.participant, p.spaceId, p.memberId)),
    'producer.remove': (c, p) => done(this.spaces.removeProducer(c.participant, p.spaceId, p.memberId)),
    'staff.pads': (c, p) => done(this.spaces.publishPads(c.participant, p.spaceId, p.pads)),
    'staff.cue': (c, p) => done(this.spaces.cue(c.participant, p.spaceId, p.padId)),
    'staff.note': (c, p) => done(this.spaces.note(c.participant, p.spaceId, p.text)),
  };

  private readonly handlers: { [T in RequestType]: Handler<T> };

  constructor(
    private readonly hub: ClientHub,
    private readonly spaces: SpaceService,
    private readonly accounts: AccountService,
    private readonly allowedOrigins: (origin: string, host: string | undefined) => boolean,
    /** Handlers of the feature modules' request types (schedule, ...). */
    features: FeatureHandlers,
  ) {
    this.handlers = { ...this.core, ...features };
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

  private signIn(c: Connection, signedIn: SignedIn): SignedIn {
    this.spaces.signedIn(c.participant, signedIn.account, signedIn.token);
    return signedIn;
  }

  private requireAccount(c: Connection): string {
    const id = c.participant.identity.accountId;
    if (!id) throw new AppError('unauthenticated', 'sign in first');
    return id;
  }

  /** Re-checks the session (it may have been signed out elsewhere) for actions that create things. */
  private requireToken(c: Connection): string {
    if (!c.participant.token) throw new AppError('unauthenticated', 'sign in to host a Space');
    return c.participant.token;
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
