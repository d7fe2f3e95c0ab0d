import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Fastify, { type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { WebSocketServer, type WebSocket } from 'ws';
import { BRIDGE_PATH, BRIDGE_SESSION_COOKIE, BridgeCall, type BridgeFrame } from '../shared/bridge.js';
import { STUDIO_CSP } from '../shared/csp.js';
import type { IpcEventName, IpcEventPayload } from '../shared/ipc.js';
import { ipcEvents } from '../shared/ipc.js';
import { dispatchIpc } from './ipcRouter.js';
import type { IpcHandlerTable } from '../shared/ipc.js';

/** The renderer's Content-Security-Policy (shared/csp.ts: ours, plus ws:/wss: for a LiveKit server's signaling). */
export const RENDERER_CSP = STUDIO_CSP;

const HEADERS = { 'Content-Security-Policy': STUDIO_CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' } as const;
const TEXT = 'text/plain; charset=utf-8';

export interface WebBridge {
  /** The URL to open once: it carries the one-time token. */
  url: string;
  origin: string;
  http: Server;
  emit<K extends IpcEventName>(event: K, payload: IpcEventPayload<K>): void;
  close(): Promise<void>;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Browser mode for machines without the Electron binary: serves the built renderer on loopback
 * and carries the IPC contract over a WebSocket, to the same StudioService the desktop app uses.
 * The HTTP side is Fastify with `@fastify/static` and `@fastify/cookie`, as on the Space server.
 * Access: a one-time token in the printed URL is exchanged for an HttpOnly session cookie;
 * the WebSocket needs that cookie and our own Origin, so other pages and local users cannot drive it.
 */
export async function startWebBridge(opts: {
  handlers: Partial<IpcHandlerTable>;
  rendererDir: string;
  host?: string;
  port?: number;
}): Promise<WebBridge> {
  let oneTimeToken: string | null = randomBytes(24).toString('base64url');
  const session = randomBytes(24).toString('base64url');
  const sockets = new Set<WebSocket>();
  let origin = '';

  const sessionOk = (value: string | undefined): boolean => !!value && sameSecret(value, session);
  const authorized = (req: FastifyRequest): boolean => sessionOk(req.cookies[BRIDGE_SESSION_COOKIE]);

  const app = Fastify({ logger: false });
  await app.register(fastifyCookie);
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(HEADERS);
    return payload;
  });
  app.addHook('onRequest', async (req, reply) => {
    const token = (req.query as { token?: string }).token;
    if (token !== undefined) {
      if (oneTimeToken && sameSecret(token, oneTimeToken)) {
        oneTimeToken = null; // used up: a leaked URL (history, logs) opens nothing
        return reply.setCookie(BRIDGE_SESSION_COOKIE, session, { httpOnly: true, sameSite: 'strict', path: '/' }).code(303).header('Location', '/').send();
      }
      return reply.code(403).type(TEXT).send('This Studio link was already used or is wrong. Restart the Studio to get a new one.');
    }
    if (!authorized(req)) return reply.code(401).type(TEXT).send('Open the Studio with the link it printed when it started (it carries a one-time token).');
  });
  const built = existsSync(join(opts.rendererDir, 'index.html'));
  if (built) await app.register(fastifyStatic, { root: opts.rendererDir, index: 'index.html', cacheControl: false, dotfiles: 'deny', list: false });
  app.setNotFoundHandler((_req, reply) => reply.code(404).type(TEXT).send(built ? 'not found' : 'The Studio renderer is not built: run npm run build'));

  // Large enough for a soundboard clip import (base64 of MAX_CLIP_BYTES).
  const wss = new WebSocketServer({ noServer: true, maxPayload: 48 * 1024 * 1024 });
  const upgradeAllowed = (req: IncomingMessage): boolean =>
    new URL(req.url ?? '/', 'http://x').pathname === BRIDGE_PATH &&
    sessionOk(app.parseCookie(req.headers.cookie ?? '')[BRIDGE_SESSION_COOKIE]) &&
    req.headers.origin === origin;
  app.server.on('upgrade', (req, socket, head) => {
    if (!upgradeAllowed(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', async (data) => {
        let call;
        try {
          call = BridgeCall.parse(JSON.parse(data.toString()));
        } catch {
          return; // not a bridge frame: nothing to answer to
        }
        const result = await dispatchIpc(opts.handlers, call.channel, call.payload);
        const frame: BridgeFrame = { kind: 'result', id: call.id, result };
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
      });
    });
  });

  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const addr = app.server.address() as AddressInfo;
  origin = `http://${addr.address}:${addr.port}`;
  return {
    url: `${origin}/?token=${oneTimeToken}`,
    origin,
    http: app.server,
    emit(event, payload) {
      const frame: BridgeFrame = { kind: 'event', channel: ipcEvents[event].channel, payload };
      const text = JSON.stringify(frame);
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await app.close();
    },
  };
}
