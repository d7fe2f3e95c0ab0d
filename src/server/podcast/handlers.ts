import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Handle } from '../../shared/account.js';
import { SpaceId } from '../../shared/space.js';
import { TranscriptFormat } from '../../shared/transcript.js';
import type { podcastRequests } from '../../shared/podcast.js';
import { FORMAT_MIME, formatTranscript } from '../../shared/transcriptFormat.js';
import type { FeatureRouteOptions, Handlers } from '../feature.js';
import { coverPng } from './cover.js';
import type { PodcastService } from './service.js';

/** The podcast's signaling requests: markers while live, the episode after End. */
export function podcastHandlers(podcast: PodcastService): Handlers<keyof typeof podcastRequests> {
  return {
    'chapter.mark': (c, p) => podcast.mark(c.participant, p.spaceId, p.title),
    'episode.get': (c, p) => ({ episode: podcast.get(c.participant, p.spaceId) }),
    'episode.update': async (c, p) => ({ episode: await podcast.update(c.participant, p) }),
    'episode.list': (c) => ({ spaces: podcast.list(c.participant) }),
  };
}

/**
 * HTTP of the podcast: the host's feed (`/u/<handle>/podcast.xml`) and cover, a published
 * episode's enclosure (`/s/<id>/episode.m4a`, public, ranges; 404 while unpublished: the
 * recording itself stays the host's download), its chapters (`/s/<id>/chapters.json`) and its
 * transcript on the recording's timeline (`/s/<id>/episode/transcript.(srt|vtt|json)`).
 */
export function podcastRoutes(podcast: PodcastService): FastifyPluginAsync<FeatureRouteOptions> {
  const covers = new Map<string, Buffer>();
  return async (app) => {
    const missing = (reply: FastifyReply, what: string): FastifyReply => reply.code(404).type('text/plain; charset=utf-8').send(what);
    app.get('/u/:handle/podcast.xml', async (req, reply) => {
      const handle = Handle.safeParse((req.params as { handle: string }).handle);
      const xml = handle.success ? await podcast.feed(handle.data) : null;
      if (!xml) return missing(reply, 'no such host');
      return reply.type('application/rss+xml; charset=utf-8').header('Cache-Control', 'public, max-age=60').send(xml);
    });
    app.get('/u/:handle/cover.png', async (req, reply) => {
      const handle = Handle.safeParse((req.params as { handle: string }).handle);
      const host = handle.success ? podcast.hostExists(handle.data) : null;
      if (!host) return missing(reply, 'no such host');
      let png = covers.get(host.handle);
      if (!png) covers.set(host.handle, (png = coverPng(host.handle)));
      if (covers.size > 1000) covers.delete(covers.keys().next().value!);
      return reply.type('image/png').header('Cache-Control', 'public, max-age=86400').send(png);
    });
    app.get('/s/:id/episode.m4a', { config: { rateLimit: { max: 120, timeWindow: 60_000 } } }, async (req, reply) => {
      const id = SpaceId.safeParse((req.params as { id: string }).id);
      const file = id.success ? await podcast.enclosure(id.data).catch(() => null) : null;
      if (!file) return missing(reply, 'no published episode');
      reply.header('Cache-Control', 'public, max-age=300').type('audio/mp4');
      return reply.sendFile(file.file, file.dir, { cacheControl: false, contentType: false, acceptRanges: true });
    });
    app.get('/s/:id/chapters.json', async (req, reply) => {
      const id = SpaceId.safeParse((req.params as { id: string }).id);
      const doc = id.success ? podcast.chaptersDocument(id.data) : null;
      if (!doc) return missing(reply, 'no chapters');
      return reply.type('application/json+chapters; charset=utf-8').header('Cache-Control', 'public, max-age=60').send(JSON.stringify(doc));
    });
    app.get('/s/:id/episode/transcript.:format', async (req, reply) => {
      const params = req.params as { id: string; format: string };
      const id = SpaceId.safeParse(params.id);
      const format = TranscriptFormat.safeParse(params.format);
      const segs = id.success && format.success ? podcast.transcript(id.data) : null;
      if (!segs || !format.success) return missing(reply, 'no transcript');
      return reply.type(FORMAT_MIME[format.data]).header('Cache-Control', 'public, max-age=60').send(formatTranscript(format.data, segs));
    });
  };
}
