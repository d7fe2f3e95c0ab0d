import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { AppError } from '../../shared/errors.js';
import type { reachRequests } from '../../shared/reach.js';
import type { Handlers } from '../feature.js';
import type { Participant } from '../spaces/participant.js';
import type { FeatureRouteOptions } from '../feature.js';
import type { ShellPage } from '../home/shell.js';
import { spacesCalendar, type CalendarSpace } from './calendar.js';
import type { ReachService } from './service.js';
import { hostCalendarRows } from './store.js';
import type Database from 'better-sqlite3';

/** The signaling handlers of reaching people (signed-in accounts only). */
export function reachHandlers(s: ReachService, vapidPublicKey: string): Handlers<keyof typeof reachRequests> {
  const account = (c: { participant: Participant }): string => {
    const id = c.participant.identity.accountId;
    if (!id) throw new AppError('unauthenticated', 'sign in first');
    return id;
  };
  return {
    'push.key': () => ({ publicKey: vapidPublicKey }),
    'push.subscribe': (c, p) => ({ prefs: s.subscribe(account(c), p.subscription) }),
    'push.unsubscribe': (c, p) => ({ prefs: s.unsubscribe(account(c), p.endpoint) }),
    'reach.prefs': (c) => ({ prefs: s.prefs(account(c)) }),
    'reach.setLiveAlerts': (c, p) => ({ prefs: s.setLiveAlerts(account(c), p.on) }),
    'reach.setEmail': (c, p) => ({ prefs: s.setEmail(account(c), p.email) }),
  };
}

const TOKEN = /^[A-Za-z0-9_-]{32}$/;
const HANDLE = /^[A-Za-z0-9_]{3,20}$/;

/**
 * HTTP of reaching people: the email verification and unsubscribe links (GET shows a page with
 * one button; POST, also RFC 8058's one-click `List-Unsubscribe=One-Click`, unsubscribes), a
 * host's calendar feed, and the service worker at the site's root (its scope is the whole site).
 */
export function reachRoutes(s: ReachService, db: Database.Database, shell: ShellPage, publicUrl: () => string): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app) => {
    const small = (reply: FastifyReply, lang: string, title: string, body: string, code = 200): FastifyReply =>
      reply.code(code).type('text/html; charset=utf-8').send(shell.render({ lang, title, body: `<main class="card">${body}</main>` }));
    const langOf = (h: string | undefined): string => (h && /^it\b/i.test(h) ? 'it' : 'en');

    app.get('/reach/verify/:token', async (req, reply) => {
      const t = (req.params as { token: string }).token;
      const lang = langOf(req.headers['accept-language']);
      const ok = TOKEN.test(t) && s.verifyEmail(t);
      return ok
        ? small(reply, lang, 'Address confirmed', '<h1>Address confirmed</h1><p>Reminders for the Spaces you choose will come to this address. Every mail has a link to stop them.</p>')
        : small(reply, lang, 'Link not valid', '<h1>This link is not valid</h1><p>It may be old: set your address again on any Space page to get a new one.</p>', 404);
    });
    app.get('/reach/unsubscribe/:token', async (req, reply) => {
      const t = (req.params as { token: string }).token;
      const lang = langOf(req.headers['accept-language']);
      const address = TOKEN.test(t) ? s.unsubscribeTarget(t) : null;
      if (!address) return small(reply, lang, 'Link not valid', '<h1>This link is not valid</h1><p>Nothing was changed.</p>', 404);
      // The form posts to this same URL: CSP form-action must allow 'self' on this page.
      reply.header('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
      return small(
        reply,
        lang,
        'Unsubscribe',
        `<h1>Stop reminder mails?</h1><p>No more reminders will be sent to <strong>${escape(address)}</strong>.</p>` +
          `<form method="post"><button type="submit" id="unsubscribe">Unsubscribe</button></form>`,
      );
    });
    // Browsers post the form (urlencoded); mail clients post `List-Unsubscribe=One-Click` (RFC 8058).
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, body, done) => done(null, body));
    app.post('/reach/unsubscribe/:token', async (req, reply) => {
      const t = (req.params as { token: string }).token;
      const lang = langOf(req.headers['accept-language']);
      if (!TOKEN.test(t) || !s.unsubscribeEmail(t)) return small(reply, lang, 'Link not valid', '<h1>This link is not valid</h1><p>Nothing was changed.</p>', 404);
      return small(reply, lang, 'Unsubscribed', '<h1>Unsubscribed</h1><p>No more reminder mails will be sent to this address.</p>');
    });

    app.get('/u/:handle/calendar.ics', async (req, reply) => {
      const handle = (req.params as { handle: string }).handle;
      if (!HANDLE.test(handle)) return reply.callNotFound();
      const rows = hostCalendarRows(db, handle, Date.now());
      const items: CalendarSpace[] = rows.map((r) => {
        const f = JSON.parse(r.fields) as { title: string; description: string; startsAt: number; durationMin: number; timeZone: string };
        const status = r.status === 'cancelled' ? 'cancelled' : r.state === 'ended' ? 'ended' : r.status === 'started' || r.state === 'live' ? 'started' : 'scheduled';
        return { id: r.space_id, ...f, hostHandle: r.host_handle, status, sequence: r.version };
      });
      const base = publicUrl();
      return reply
        .type('text/calendar; charset=utf-8')
        .header('Cache-Control', 'public, max-age=60')
        .send(spacesCalendar(items, { name: `Spaces by @${handle.toLowerCase()}`, publicUrl: base, feedUrl: `${base}/u/${handle.toLowerCase()}/calendar.ics` }));
    });

    app.get('/sw.js', async (_req, reply) => {
      const body = shell.file('sw.js');
      if (!body) return reply.code(503).type('text/plain; charset=utf-8').send('the listener app is not built: run npm run build');
      // A service worker is checked for updates on navigation; never cache it for long.
      return reply.type('text/javascript; charset=utf-8').header('Cache-Control', 'no-cache').send(body);
    });
  };
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
