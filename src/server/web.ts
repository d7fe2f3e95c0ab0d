import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';
import rateLimit from '@fastify/rate-limit';
import { SpaceId } from '../shared/space.js';
import { AppError } from '../shared/errors.js';
import { CSP, cspWithConnect } from '../shared/csp.js';
import type { SpaceService } from './spaces/service.js';
import type { FeatureRouteOptions } from './feature.js';
import { requestId } from './operator/logging.js';

export const SECURITY_HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
} as const;

export const HTML = 'text/html; charset=utf-8';

/**
 * Makes the Node server Fastify runs on. Replaceable so startup can serve HTTPS (or anything
 * else that speaks `http.Server`) without touching the routes.
 */
export type ServerFactory = (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem">${body}</body></html>`;
}

export interface WebOptions {
  spaces: Pick<SpaceService, 'get'>;
  /** What /healthz reports besides `ok` (counts for operators and load tests; nothing private). */
  health?: () => Record<string, unknown>;
  /** The built listener page (index.html + assets/). */
  listenerDist: string;
  /** Feature routes (schedule, transcript, recording), as Fastify plugins. */
  routes: FastifyPluginAsync<FeatureRouteOptions>[];
  serverFactory?: ServerFactory;
  /** Origins of the media engine's signaling the listener page connects to (LiveKit's ws:// URLs). */
  mediaOrigins?: string[];
  /** The server's logger: Fastify logs each request with its id through it. */
  logger: FastifyBaseLogger;
  /** Hooks added before any route (metrics timing). */
  instrument?: (app: FastifyInstance) => void;
  /** Extra <head> tags for a built page at this URL (Open Graph / Twitter Card), or null. */
  pageHead?: (url: string) => string | null;
}

/**
 * The Space server's HTTP layer (Fastify): the listener page and its assets, a small read-only
 * JSON API, and the features' routes (the home pages `/` and `/u/<handle>` are a feature too:
 * `home/handlers.ts`). Every answer carries the security headers and, unless a route says
 * otherwise, `Cache-Control: no-store`.
 */
export async function createWebApp(opts: WebOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger,
    // A proxy's X-Request-Id carries through; otherwise each request gets a UUID (logged as reqId, answered as X-Request-Id).
    genReqId: requestId,
    requestIdHeader: false,
    // Link ids are short; anything long is not ours.
    routerOptions: { maxParamLength: 200 },
    bodyLimit: 16 * 1024,
    ...(opts.serverFactory ? { serverFactory: opts.serverFactory } : {}),
  });
  await app.register(rateLimit, { global: false });
  opts.instrument?.(app);

  // The listener page may also connect to the media engine's own signaling (LiveKit, issue 20).
  const headers: Record<string, string> = { ...SECURITY_HEADERS, 'Content-Security-Policy': cspWithConnect(opts.mediaOrigins ?? []) };
  app.addHook('onSend', async (req, reply, payload) => {
    // A route may set its own CSP (the embeddable player allows framing; a form page allows posting).
    for (const [k, v] of Object.entries(headers)) if (!reply.hasHeader(k)) reply.header(k, v);
    reply.header('X-Request-Id', req.id);
    if (!reply.hasHeader('cache-control')) reply.header('Cache-Control', 'no-store');
    // Link previews (issue 21): the built pages get server-rendered Open Graph tags.
    if (opts.pageHead && reply.statusCode === 200 && Buffer.isBuffer(payload) && String(reply.getHeader('content-type')).startsWith('text/html')) {
      const head = opts.pageHead(req.url);
      if (head) return Buffer.from(payload.toString('utf8').replace('</head>', `${head}</head>`));
    }
    return payload;
  });
  app.setErrorHandler((err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    void reply.code(status).type('text/plain; charset=utf-8').send(status >= 500 ? 'internal error' : (err as Error).message);
  });
  const notFound = (what: string): string =>
    page('Not found', `<h1>${escapeHtml(what)}</h1><p>Check the link you were given. The Space may have been mistyped or never existed.</p>`);
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).type(HTML).send(notFound('Page not found'));
  });

  const html = (name: string): Buffer | null => (existsSync(join(opts.listenerDist, name)) ? readFileSync(join(opts.listenerDist, name)) : null);
  const pages = { index: html('index.html'), clip: html('clip.html') };
  // The pages' icon (src/listener/public): named by the pages, and at /favicon.ico for browsers that ask anyway.
  const icon = html('favicon.svg');
  if (existsSync(join(opts.listenerDist, 'assets'))) {
    await app.register(fastifyStatic, {
      root: join(opts.listenerDist, 'assets'),
      prefix: '/assets/',
      // Vite names assets by content hash: they never change.
      immutable: true,
      maxAge: '365d',
      index: false,
      list: false,
      dotfiles: 'deny',
    });
  } else {
    // decorateReply must exist for features that send files (recording downloads).
    await app.register(fastifyStatic, { root: opts.listenerDist, serve: false });
  }

  const sendListener = (reply: import('fastify').FastifyReply, name: keyof typeof pages = 'index'): void => {
    const body = pages[name];
    if (!body) void reply.code(503).type('text/plain; charset=utf-8').send('the listener app is not built: run npm run build');
    else void reply.type(HTML).send(body);
  };

  for (const path of ['/favicon.svg', '/favicon.ico']) {
    app.get(path, async (_req, reply) =>
      icon ? reply.type('image/svg+xml').header('Cache-Control', 'public, max-age=86400').send(icon) : reply.code(404).type('text/plain; charset=utf-8').send('no icon'),
    );
  }
  app.get('/healthz', async (_req, reply) => reply.type('application/json').send(JSON.stringify({ ok: true, ...(opts.health?.() ?? {}) })));
  const spacePage = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply): Promise<void> => {
    const id = SpaceId.safeParse((req.params as { id: string }).id);
    if (!id.success) return void reply.code(404).type(HTML).send(notFound('This Space does not exist'));
    try {
      opts.spaces.get(id.data);
    } catch (err) {
      if (AppError.from(err).code === 'not_found') return void reply.code(404).type(HTML).send(notFound('This Space does not exist'));
      throw err;
    }
    sendListener(reply);
  };
  app.get('/s/:id', spacePage);
  app.get('/s/:id/', spacePage);
  app.get('/api/spaces/:id', async (req, reply) => {
    try {
      const space = opts.spaces.get(SpaceId.parse((req.params as { id: string }).id));
      return reply.type('application/json').send(JSON.stringify({ space }));
    } catch {
      return reply.code(404).type('application/json').send(JSON.stringify({ error: { code: 'not_found', message: 'no Space with this id' } }));
    }
  });
  for (const r of opts.routes) await app.register(r, { sendListenerPage: sendListener });
  return app;
}

