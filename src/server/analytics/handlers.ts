import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../../shared/errors.js';
import { ListenReport, analyticsCsv, type analyticsRequests } from '../../shared/analytics.js';
import { SpaceId } from '../../shared/space.js';
import type { FeatureRouteOptions, Handlers } from '../feature.js';
import type { AnalyticsService } from './service.js';

const STATUS: Record<string, number> = { unauthenticated: 401, forbidden: 403, not_found: 404, invalid_state: 409, bad_message: 400 };

/** `analytics.get` over the signaling socket (the Studio asks through it). */
export function analyticsHandlers(analytics: AnalyticsService): Handlers<keyof typeof analyticsRequests> {
  return {
    'analytics.get': (c, p) => {
      analytics.authorize(c.participant, p.spaceId);
      return { analytics: analytics.get(p.spaceId) };
    },
  };
}

/**
 * HTTP of analytics: `POST /api/listens` (the listener and clip pages report HLS, replay and clip
 * plays: start, a progress beat every 15 s, stop; rate-limited, anonymous) and
 * `GET /s/<id>/analytics.csv` (the owner, with `Authorization: Bearer <token>` or `?token=`).
 */
export function analyticsRoutes(analytics: AnalyticsService, participantOf: (token: string) => Parameters<AnalyticsService['authorize']>[0] | null): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app) => {
    const fail = (err: unknown): { status: number; body: string } => {
      const e = AppError.from(err);
      return { status: STATUS[e.code] ?? 500, body: JSON.stringify({ error: e.code === 'internal' ? { code: 'internal', message: 'internal error' } : e.toBody() }) };
    };
    app.post('/api/listens', { config: { rateLimit: { max: 120, timeWindow: 60_000 } }, bodyLimit: 2048 }, async (req, reply) => {
      let body: unknown = req.body;
      if (typeof body === 'string') {
        try {
          body = JSON.parse(body);
        } catch {
          body = null;
        }
      }
      const parsed = ListenReport.safeParse(body);
      if (!parsed.success) {
        return reply.code(400).type('application/json').send(JSON.stringify({ error: { code: 'bad_message', message: parsed.error.issues[0]?.message ?? 'bad report' } }));
      }
      try {
        analytics.report(parsed.data);
        return reply.code(204).send();
      } catch (err) {
        const f = fail(err);
        return reply.code(f.status).type('application/json').send(f.body);
      }
    });
    app.get('/s/:id/analytics.csv', async (req, reply) => {
      const id = SpaceId.safeParse((req.params as { id: string }).id);
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : ((req.query as { token?: string }).token ?? null);
      try {
        if (!id.success) throw new AppError('not_found', 'no Space with this id');
        const who = token ? participantOf(token) : null;
        if (!who) throw new AppError('unauthenticated', 'sign in as the host to download the figures');
        analytics.authorize(who, id.data);
        return reply
          .header('Cache-Control', 'private, no-store')
          .header('Content-Disposition', `attachment; filename="space-${id.data}-listeners.csv"`)
          .type('text/csv; charset=utf-8')
          .send(analyticsCsv(analytics.get(id.data)));
      } catch (err) {
        const f = fail(err);
        return reply.code(f.status).type('application/json').send(f.body);
      }
    });
  };
}
