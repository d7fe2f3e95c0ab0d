import type { ServerResponse } from 'node:http';
import { SpaceId } from '../../shared/space.js';
import { TranscriptFormat } from '../../shared/transcript.js';
import { FORMAT_MIME, formatTranscript } from '../../shared/transcriptFormat.js';
import type { TranscriptService } from './service.js';

/** `/s/<id>/transcript.(srt|vtt|txt|json)`: the stored transcript of a Space as a download. */
export function transcriptRoutes(t: TranscriptService) {
  return (path: string, res: ServerResponse, headers: Record<string, string>): boolean => {
    const m = /^\/s\/([^/]+)\/transcript\.([a-z]+)$/.exec(path);
    if (!m) return false;
    const id = SpaceId.safeParse(m[1]);
    const format = TranscriptFormat.safeParse(m[2]);
    if (!id.success || !format.success) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('no such transcript');
      return true;
    }
    let body: string;
    try {
      body = formatTranscript(format.data, t.segments(id.data));
    } catch {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('no Space with this id');
      return true;
    }
    res
      .writeHead(200, {
        ...headers,
        'Content-Type': FORMAT_MIME[format.data],
        'Content-Disposition': `attachment; filename="space-${id.data}.${format.data}"`,
      })
      .end(body);
    return true;
  };
}
