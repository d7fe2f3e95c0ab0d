import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../shared/errors.js';
import { ClipId, DownloadFormat } from '../../shared/recording.js';
import { SpaceId } from '../../shared/space.js';
import type { FeatureRouteOptions } from '../feature.js';
import type { FeatureHandlers } from '../feature.js';
import { SEGMENT_FILE } from './recorder.js';
import type { RecordingReads, RecordingRequests } from './service.js';

const M3U8 = 'application/vnd.apple.mpegurl';
const STATUS: Record<string, number> = { unauthenticated: 401, forbidden: 403, not_found: 404, invalid_state: 409, rate_limited: 429 };

/**
 * HTTP of recordings: the HLS playlists and segments (cacheable by any HTTP cache: segments are
 * immutable, the live playlist lives one second), the replay's timeline, clips (`/c/<id>`) and the
 * authorized downloads (`/s/<id>/recording.m4a|flac`, with ranges; by a download grant from
 * `recording.downloadLink` or a Bearer session token, and checked again for every file served).
 */
export function recordingRoutes(rec: RecordingReads, accountOf: (token: string) => string | null): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, opts) => {
    const spaceId = (req: FastifyRequest): string | null => {
      const id = SpaceId.safeParse((req.params as { id: string }).id);
      return id.success ? id.data : null;
    };
    const missing = (reply: FastifyReply, what: string): FastifyReply => reply.code(404).type('text/plain; charset=utf-8').send(what);
    const safely = <T>(f: () => T): T | null => {
      try {
        return f();
      } catch {
        return null;
      }
    };

    app.get('/s/:id/hls/live.m3u8', async (req, reply) => {
      const id = spaceId(req);
      const text = id && safely(() => rec.livePlaylist(id));
      if (!text) return missing(reply, 'this Space is not being recorded');
      // Short: an HTTP cache in front serves everyone the same playlist for a second.
      return reply.type(M3U8).header('Cache-Control', 'public, max-age=1').send(text);
    });
    app.get('/s/:id/hls/replay.m3u8', async (req, reply) => {
      const id = spaceId(req);
      const text = id && safely(() => rec.replayPlaylist(id));
      if (!text) return missing(reply, 'no replay of this Space');
      return reply.type(M3U8).header('Cache-Control', 'public, max-age=60').send(text);
    });
    app.get('/s/:id/hls/:file', async (req, reply) => {
      const id = spaceId(req);
      const file = (req.params as { file: string }).file;
      const dir = id && SEGMENT_FILE.test(file) ? safely(() => rec.segmentDir(id, file)) : null;
      if (!dir) return missing(reply, 'no such segment');
      reply.header('Cache-Control', 'public, max-age=31536000, immutable').type('video/mp2t');
      return reply.sendFile(file, dir, { cacheControl: false, contentType: false, acceptRanges: true });
    });
    app.get('/s/:id/recording.json', async (req, reply) => {
      const id = spaceId(req);
      const t = id && safely(() => rec.timeline(id));
      if (!t) return missing(reply, 'no Space with this id');
      return reply.type('application/json').send(JSON.stringify(t));
    });
    app.get(
      '/s/:id/recording.:format',
      { config: { rateLimit: { max: 60, timeWindow: 60_000 } } },
      async (req, reply) => {
        const id = spaceId(req);
        const format = DownloadFormat.safeParse((req.params as { format: string }).format);
        if (!id || !format.success) return missing(reply, 'no such recording');
        // Who asks: a download grant for this very file (the page's links), or a session token in
        // the Authorization header (API clients). Never a session token in the URL.
        const auth = req.headers.authorization;
        const grant = (req.query as { grant?: unknown }).grant;
        const accountId =
          typeof grant === 'string' ? rec.grantHolder(grant, id, format.data) : auth?.startsWith('Bearer ') ? accountOf(auth.slice(7)) : null;
        try {
          const { dir, file } = await rec.download(id, format.data, accountId);
          reply
            .header('Cache-Control', 'private, no-store')
            .header('Content-Disposition', `attachment; filename="space-${id}.${format.data}"`)
            .type(format.data === 'm4a' ? 'audio/mp4' : 'audio/flac');
          return reply.sendFile(file, dir, { cacheControl: false, contentType: false, acceptRanges: true });
        } catch (err) {
          const e = AppError.from(err);
          return reply
            .code(STATUS[e.code] ?? 500)
            .type('application/json')
            .send(JSON.stringify({ error: e.code === 'internal' ? { code: 'internal', message: 'internal error' } : e.toBody() }));
        }
      },
    );

    const clipId = (req: FastifyRequest): string | null => {
      const id = ClipId.safeParse((req.params as { clip: string }).clip);
      return id.success ? id.data : null;
    };
    app.get('/c/:clip', async (req, reply) => {
      const id = clipId(req);
      if (!id || !rec.clipPublic(id)) return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><title>Not found</title><h1>This clip does not exist</h1><p>It may have been deleted with its recording.</p>');
      opts.sendListenerPage(reply, 'clip');
      return reply;
    });
    app.get('/api/clips/:clip', async (req, reply) => {
      const id = clipId(req);
      const clip = id && rec.clipPublic(id);
      if (!clip) return reply.code(404).type('application/json').send(JSON.stringify({ error: { code: 'not_found', message: 'no such clip' } }));
      return reply.type('application/json').send(JSON.stringify({ clip }));
    });
    app.get('/c/:clip/clip.m3u8', async (req, reply) => {
      const id = clipId(req);
      const text = id && rec.clipPlaylist(id);
      if (!text) return missing(reply, 'no such clip');
      return reply.type(M3U8).header('Cache-Control', 'public, max-age=60').send(text);
    });
  };
}

/** The signaling handlers of recording (the `recording.*` and `clip.*` requests). */
export function recordingHandlers(rec: RecordingRequests): Pick<FeatureHandlers, 'recording.set' | 'recording.get' | 'recording.downloadLink' | 'recording.delete' | 'clip.create'> {
  return {
    'recording.set': (c, p) => ({ state: rec.set(c.participant, p.spaceId, p.on) }),
    'recording.get': (c, p) => {
      const state = rec.state(p.spaceId);
      c.spaces.add(p.spaceId); // recording.state events follow
      return { state, may: rec.permissions(c.participant, p.spaceId) };
    },
    'recording.downloadLink': (c, p) => rec.downloadLink(c.participant, p.spaceId, p.format),
    'recording.delete': (c, p) => ({ state: rec.delete(c.participant, p.spaceId) }),
    'clip.create': (c, p) => rec.clip(c.participant, p.spaceId, p.durationMs, p.endMs),
  };
}
