import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { pickLocale } from '../../shared/i18nLite.js';
import { homeTranslator, type HomeLang } from '../../shared/homeText.js';
import { SpaceId, type SpacePublic } from '../../shared/space.js';
import type { SpaceService } from '../spaces/service.js';
import { SECURITY_HEADERS } from '../web.js';
import type { FeatureRouteOptions } from '../feature.js';
import { previewCard, previewTags, type Preview } from './og.js';
import { HomeRenderer } from './render.js';
import type { HomeService } from './service.js';
import type { ShellPage } from './shell.js';
import type { HomeStore } from './store.js';

const HANDLE = /^[A-Za-z0-9_]{3,20}$/;
const CLIP = /^[A-Za-z0-9_-]{6,40}$/;
const HTML = 'text/html; charset=utf-8';

/** The CSP of the home pages: the search form submits to this site. */
const HOME_CSP = SECURITY_HEADERS['Content-Security-Policy'].replace("form-action 'none'", "form-action 'self'");

export interface HomeRouteDeps {
  home: HomeService;
  store: HomeStore;
  spaces: Pick<SpaceService, 'get'>;
  shell: ShellPage;
  publicUrl: () => string;
  /** Who may put the player in an iframe (CSP frame-ancestors sources), e.g. `*` or `https://blog.example`. */
  embedAncestors: string;
  /** Calls back when a Space goes live or ends (what is rendered then is stale at once). */
  onSpaceChange: (fn: () => void) => void;
}

function langOf(req: FastifyRequest): HomeLang {
  const q = (req.query as { lang?: string }).lang;
  if (q === 'en' || q === 'it') return q;
  const header = String(req.headers['accept-language'] ?? '');
  return pickLocale(['en', 'it'] as const, header.split(',').map((p) => p.split(';')[0]!.trim()), 'en');
}

/** Link previews for the built pages: /s/<id> and /c/<clip> (used by the web layer's onSend hook). */
export function pageHead(d: Pick<HomeRouteDeps, 'spaces' | 'store' | 'publicUrl'>): (url: string) => string | null {
  return (url) => {
    const path = url.split('?')[0]!;
    let m = /^\/s\/([^/]+)\/?$/.exec(path);
    if (m) {
      const p = spacePreview(d, m[1]!);
      return p && previewTags(p);
    }
    m = /^\/c\/([^/]+)\/?$/.exec(path);
    if (m && CLIP.test(m[1]!)) {
      const c = d.store.clip(m[1]!);
      if (!c) return null;
      const base = d.publicUrl();
      return previewTags({
        title: `Clip: ${c.title}`,
        hostName: c.host_name,
        hostHandle: c.host_handle,
        status: 'clip',
        url: `${base}/c/${c.id}`,
        image: `${base}/c/${c.id}/card.png`,
        description: `A ${Math.round(c.duration_ms / 1000)} s clip from “${c.title}”, hosted by ${c.host_name} (@${c.host_handle})`,
      });
    }
    return null;
  };
}

function spacePreview(d: Pick<HomeRouteDeps, 'spaces' | 'store' | 'publicUrl'>, rawId: string): Preview | null {
  const id = SpaceId.safeParse(rawId);
  if (!id.success) return null;
  let s: SpacePublic;
  try {
    s = d.spaces.get(id.data);
  } catch {
    return null;
  }
  const sched = s.state === 'scheduled' ? d.store.scheduledStart(s.id) : undefined;
  const base = d.publicUrl();
  return {
    title: s.title,
    hostName: s.hostName,
    hostHandle: s.hostHandle,
    status: s.state,
    startsAt: sched?.starts_at ?? s.startedAt,
    timeZone: sched?.time_zone ?? 'UTC',
    url: `${base}/s/${s.id}`,
    // The state is in the image's URL so a preview cache refetches it when the Space goes live or ends.
    image: `${base}/s/${s.id}/card.png?v=${s.state}`,
  };
}

/**
 * The home pages (`/`, `/u/<handle>`: server-rendered; `?part=main` returns the part the page's
 * script refreshes every second), preview cards (`card.png`) and the embeddable player
 * (`/s/<id>/embed`, the only page another site may frame).
 */
export function homeRoutes(d: HomeRouteDeps): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app) => {
    const part = (req: FastifyRequest): boolean => (req.query as { part?: string }).part === 'main';
    // Every open home page asks for its main part each second: one render per page kind, language
    // and search per second, whatever the number of visitors (an HTTP cache in front does the same);
    // a Space going live or ending is shown at the next ask.
    const rendered = new Map<string, { at: number; html: string }>();
    const once = (key: string, render: () => string): string => {
      const now = Date.now();
      const hit = rendered.get(key);
      if (hit && now - hit.at < 1000) return hit.html;
      const html = render();
      rendered.set(key, { at: now, html });
      if (rendered.size > 500) rendered.delete(rendered.keys().next().value!);
      return html;
    };
    d.onSpaceChange(() => rendered.clear());
    const send = (reply: FastifyReply, r: HomeRenderer, title: string, head: string, main: string, q: string, refresh: string): FastifyReply =>
      reply
        .type(HTML)
        .header('Content-Security-Policy', HOME_CSP)
        .send(
          d.shell.render({
            lang: r.lang,
            title,
            head,
            body: `${r.header(q)}<main id="home-main" class="home" data-refresh="${refresh}">${main}</main>${r.accountPanel()}`,
          }),
        );

    app.get('/', async (req, reply) => {
      const q = String((req.query as { q?: string }).q ?? '').slice(0, 60);
      const r = new HomeRenderer(langOf(req));
      const main = once(`home:${r.lang}:${q}`, () => r.homeMain(d.home.home(q)));
      // Every visitor's page asks each second: one second of HTTP caching makes that one render.
      if (part(req)) return reply.type(HTML).header('Cache-Control', 'public, max-age=1').send(main);
      const t = homeTranslator(r.lang);
      const base = d.publicUrl();
      const head = `<meta name="description" content="${escape(t('tagline'))}"><meta property="og:title" content="Spaces"><meta property="og:description" content="${escape(t('tagline'))}"><meta property="og:url" content="${escape(base)}/"><meta name="twitter:card" content="summary">`;
      const refresh = `/?part=main&lang=${r.lang}${q ? `&q=${encodeURIComponent(q)}` : ''}`;
      return send(reply, r, q ? `${t('resultsFor', { q })} · Spaces` : t('siteTitle'), head, main, q, refresh.replace(/&/g, '&amp;'));
    });

    const hostPage = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const handle = (req.params as { handle: string }).handle;
      if (!HANDLE.test(handle)) return reply.callNotFound();
      const r = new HomeRenderer(langOf(req));
      const t = homeTranslator(r.lang);
      if (part(req)) {
        const main = once(`host:${r.lang}:${handle.toLowerCase()}`, () => {
          const hv = d.home.host(handle);
          return hv ? r.hostMain(hv) : '';
        });
        return main ? reply.type(HTML).header('Cache-Control', 'public, max-age=1').send(main) : reply.callNotFound();
      }
      const v = d.home.host(handle);
      if (!v) {
        return reply.code(404).type(HTML).header('Content-Security-Policy', HOME_CSP)
          .send(d.shell.render({ lang: r.lang, title: t('noHost', { handle }), body: `${r.header('')}<main class="home"><h1>${escape(t('noHost', { handle }))}</h1><p><a href="/">${escape(t('home'))}</a></p></main>` }));
      }
      const main = r.hostMain(v);
      const base = d.publicUrl();
      const a = v.account;
      const live = v.live[0];
      const head =
        previewTags({
          title: t('hostOf', { name: a.displayName, handle: a.handle }),
          hostName: a.displayName,
          hostHandle: a.handle,
          status: 'host',
          url: `${base}/u/${a.handle}`,
          image: `${base}/u/${a.handle}/card.png`,
          description: live
            ? `LIVE now: ${live.title} · ${t('followers', { count: a.followerCount })}`
            : `${t('followers', { count: a.followerCount })} · ${v.upcoming.length} upcoming · ${v.replays.length} replays`,
        }) +
        `<link rel="alternate" type="text/calendar" title="${escape(t('calendar'))}" href="${base}/u/${a.handle}/calendar.ics">` +
        `<link rel="alternate" type="application/rss+xml" title="${escape(t('podcast'))}" href="${base}/u/${a.handle}/podcast.xml">`;
      return send(reply, r, t('hostOf', { name: a.displayName, handle: a.handle }), head, main, '', `/u/${a.handle}?part=main&amp;lang=${r.lang}`);
    };
    app.get('/u/:handle', hostPage);
    app.get('/u/:handle/', hostPage);

    // Preview cards: drawn on demand (a few ms), cached by any HTTP cache for a minute.
    const cards = new Map<string, Buffer>();
    const card = (reply: FastifyReply, p: Preview | null): FastifyReply => {
      if (!p) return reply.code(404).type('text/plain; charset=utf-8').send('no such Space');
      const key = JSON.stringify([p.title, p.hostName, p.hostHandle, p.status, p.startsAt, p.timeZone]);
      let png = cards.get(key);
      if (!png) {
        png = previewCard(p);
        cards.set(key, png);
        if (cards.size > 500) cards.delete(cards.keys().next().value!);
      }
      return reply.type('image/png').header('Cache-Control', 'public, max-age=60').send(png);
    };
    const limited = { config: { rateLimit: { max: 120, timeWindow: 60_000 } } };
    app.get('/s/:id/card.png', limited, async (req, reply) => card(reply, spacePreview(d, (req.params as { id: string }).id)));
    app.get('/c/:id/card.png', limited, async (req, reply) => {
      const id = (req.params as { id: string }).id;
      const c = CLIP.test(id) ? d.store.clip(id) : undefined;
      return card(reply, c ? { title: `Clip: ${c.title}`, hostName: c.host_name, hostHandle: c.host_handle, status: 'clip', url: '', image: '' } : null);
    });
    app.get('/u/:handle/card.png', limited, async (req, reply) => {
      const handle = (req.params as { handle: string }).handle;
      const v = HANDLE.test(handle) ? d.home.host(handle) : null;
      return card(reply, v ? { title: v.account.displayName, hostName: v.account.displayName, hostHandle: v.account.handle, status: v.live.length ? 'live' : 'host', url: '', image: '' } : null);
    });

    app.get('/s/:id/embed', async (req, reply) => {
      const p = spacePreview(d, (req.params as { id: string }).id);
      const page = d.shell.file('embed.html');
      if (!p) return reply.code(404).type(HTML).send('<!doctype html><title>Not found</title><p>This Space does not exist.</p>');
      if (!page) return reply.code(503).type('text/plain; charset=utf-8').send('the listener app is not built: run npm run build');
      return reply
        .type(HTML)
        .header('Content-Security-Policy', SECURITY_HEADERS['Content-Security-Policy'].replace("frame-ancestors 'none'", `frame-ancestors ${d.embedAncestors}`))
        .send(page.toString('utf8').replace('</head>', `${previewTags(p)}</head>`));
    });
  };
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
