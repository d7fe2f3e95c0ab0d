import type { Handler } from '../feature.js';
import type { SpaceService } from '../spaces/service.js';

/** `media.connect`: which engine, and on LiveKit this connection's grant (issue 20). */
export function mediaHandlers(spaces: SpaceService): { 'media.connect': Handler<'media.connect'> } {
  return { 'media.connect': (c, p) => spaces.connectMedia(c.participant, p.spaceId, p.as) };
}
