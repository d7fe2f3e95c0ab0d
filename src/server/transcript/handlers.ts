import type { FastifyPluginAsync } from 'fastify';
import { SpaceId } from '../../shared/space.js';
import { TranscriptFormat } from '../../shared/transcript.js';
import { FORMAT_MIME, formatTranscript } from '../../shared/transcriptFormat.js';
import type { TranscriptService } from './service.js';
import type { FeatureHandlers, FeatureRouteOptions } from '../feature.js';

/** `/s/<id>/transcript.(srt|vtt|txt|json)`: the stored transcript of a Space as a download. */
export function transcriptRoutes(t: TranscriptService): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app) => {
    app.get('/s/:id/transcript.:format', async (req, reply) => {
      const params = req.params as { id: string; format: string };
      const id = SpaceId.safeParse(params.id);
      const format = TranscriptFormat.safeParse(params.format);
      if (!id.success || !format.success) return reply.code(404).type('text/plain; charset=utf-8').send('no such transcript');
      let body: string;
      try {
        body = formatTranscript(format.data, t.segments(id.data));
      } catch {
        return reply.code(404).type('text/plain; charset=utf-8').send('no Space with this id');
      }
      return reply
        .type(FORMAT_MIME[format.data])
        .header('Content-Disposition', `attachment; filename="space-${id.data}.${format.data}"`)
        .send(body);
    });
  };
}

/** The signaling handlers of live captions. */
export function transcriptHandlers(t: TranscriptService): Pick<FeatureHandlers, 'caption.post' | 'caption.list'> {
  return {
    'caption.post': (c, p) => {
      t.post(c.participant, p.spaceId, p.segment);
      return {};
    },
    'caption.list': (c, p) => {
      const segments = t.segments(p.spaceId);
      c.follow(p.spaceId);
      return { segments };
    },
  };
}
