import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { BRIDGE_PATH, BRIDGE_SESSION_COOKIE, BridgeCall, type BridgeFrame } from '../shared/bridge.js';
import type { IpcEventName, IpcEventPayload } from '../shared/ipc.js';
import { ipcEvents } from '../shared/ipc.js';
import { loadStatic } from './staticFiles.js';
import { dispatchIpc } from './ipcRouter.js';
import type { IpcHandlerTable } from '../shared/ipc.js';

export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; media-src 'self' blob: mediastream:; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

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

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/**
 * Browser mode for machines without the Electron binary: serves the built renderer on loopback
 * and carries the IPC contract over a WebSocket, to the same StudioService the desktop app uses.
 * Access: a one-time token in the printed URL is exchanged for an HttpOnly session cookie;
 * the WebSocket needs that cookie and our own Origin, so other pages and local users cannot drive it.
 */
export async function startWebBridge(opts: {
  handlers: Partial<IpcHandlerTable>;
  rendererDir: string;
  host?: string;
  port?: number;
}): Promise<WebBridge> {
  const files = loadStatic(opts.rendererDir);
  let oneTimeToken: string | null = randomBytes(24).toString('base64url');
  const session = randomBytes(24).toString('base64url');
  const sockets = new Set<WebSocket>();
  let origin = '';

  const authorized = (req: IncomingMessage): boolean => {
    const c = cookie(req, BRIDGE_SESSION_COOKIE);
    return !!c && sameSecret(c, session);
  };

  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const headers = { 'Content-Security-Policy': RENDERER_CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' };
    const token = url.searchParams.get('token');
    if (token !== null) {
      if (oneTimeToken && sameSecret(token, oneTimeToken)) {
        oneTimeToken = null; // used up: a leaked URL (history, logs) opens nothing
        res.writeHead(303, { ...headers, Location: '/', 'Set-Cookie': `${BRIDGE_SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/` });
        return res.end();
      }
      res.writeHead(403, { ...headers, 'Content-Type': 'text/plain' });
      return res.end('This Studio link was already used or is wrong. Restart the Studio to get a new one.');
    }
    if (!authorized(req)) {
      res.writeHead(401, { ...headers, 'Content-Type': 'text/plain' });
      return res.end('Open the Studio with the link it printed when it started (it carries a one-time token).');
    }
    const path = url.pathname === '/' ? '/index.html' : url.pathname;
    const file = files.get(path);
    if (!file) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      return res.end(files.size ? 'not found' : 'The Studio renderer is not built: run npm run build');
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' });
    res.end(file);
  });

  // Large enough for a soundboard clip import (base64 of MAX_CLIP_BYTES).
  const wss = new WebSocketServer({ noServer: true, maxPayload: 48 * 1024 * 1024 });
  http.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== BRIDGE_PATH || !authorized(req) || req.headers.origin !== origin) {
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

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = http.address() as AddressInfo;
  origin = `http://${addr.address}:${addr.port}`;
  return {
    url: `${origin}/?token=${oneTimeToken}`,
    origin,
    http,
    emit(event, payload) {
      const frame: BridgeFrame = { kind: 'event', channel: ipcEvents[event].channel, payload };
      const text = JSON.stringify(frame);
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
