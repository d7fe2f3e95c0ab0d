import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { SpaceId } from '../shared/space.js';
import { AppError } from '../shared/errors.js';
import type { SpaceService } from './spaces.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; media-src 'self' blob: mediastream:; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem">${body}</body></html>`;
}

/** HTTP routes of the Space server: the listener page, its assets and a small read-only JSON API. */
export function createHttpHandler(
  spaces: SpaceService,
  listenerFiles: Map<string, Buffer>,
  routes?: (path: string, res: ServerResponse, headers: Record<string, string>) => boolean,
  /** What /healthz reports besides `ok` (counts for operators and load tests; nothing private). */
  health: () => Record<string, unknown> = () => ({}),
) {
  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...SECURITY_HEADERS, ...extra });
    res.end(body);
  };
  const notFound = (res: ServerResponse, what: string): void =>
    send(res, 404, TYPES['.html']!, page('Not found', `<h1>${escapeHtml(what)}</h1><p>Check the link you were given. The Space may have been mistyped or never existed.</p>`));

  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed', { Allow: 'GET, HEAD' });
    const path = url.pathname;
    if (path === '/healthz') return send(res, 200, 'application/json', JSON.stringify({ ok: true, ...health() }));
    if (routes?.(path, res, { 'Cache-Control': 'no-store', ...SECURITY_HEADERS })) return;

    const spacePage = /^\/s\/([^/]+)\/?$/.exec(path);
    if (spacePage) {
      const id = SpaceId.safeParse(decodeURIComponent(spacePage[1]!));
      if (!id.success) return notFound(res, 'This Space does not exist');
      try {
        spaces.get(id.data);
      } catch (err) {
        if (AppError.from(err).code === 'not_found') return notFound(res, 'This Space does not exist');
        throw err;
      }
      const html = listenerFiles.get('/index.html');
      if (!html) return send(res, 503, 'text/plain', 'the listener app is not built: run npm run build');
      return send(res, 200, TYPES['.html']!, html);
    }

    const api = /^\/api\/spaces\/([^/]+)$/.exec(path);
    if (api) {
      try {
        const space = spaces.get(SpaceId.parse(api[1]));
        return send(res, 200, 'application/json', JSON.stringify({ space }));
      } catch {
        return send(res, 404, 'application/json', JSON.stringify({ error: { code: 'not_found', message: 'no Space with this id' } }));
      }
    }

    if (path.startsWith('/assets/')) {
      const file = listenerFiles.get(path);
      if (file) return send(res, 200, TYPES[extname(path)] ?? 'application/octet-stream', file, { 'Cache-Control': 'public, max-age=31536000, immutable' });
    }
    if (path === '/') {
      return send(res, 200, TYPES['.html']!, page('Spaces', '<h1>Spaces server</h1><p>Open a Space with the link its host shared (/s/&lt;id&gt;).</p>'));
    }
    return notFound(res, 'Page not found');
  };
}
