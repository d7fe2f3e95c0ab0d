import { readSync, openSync, closeSync } from 'node:fs';
import { AppError } from '../../shared/errors.js';
import { mayRecord } from '../../shared/roles.js';
import type { FeatureHandlers } from '../feature.js';
import type { SpaceService } from '../spaces/service.js';
import type { StageTracks } from './stageTracks.js';
import type { TrackUploads } from './uploads.js';

type MultitrackRequest = 'clock.now' | 'track.begin' | 'track.chunk' | 'track.finish' | 'track.list' | 'track.read' | 'stage.record' | 'stage.tracks' | 'stage.trackRead';

/**
 * Multitrack over the signaling WebSocket rather than an HTTP route: the Studio's main process
 * already holds that authenticated connection (so "only the speaker, for their own track" is the
 * connection's account, as for every other action), it reconnects and signs in again by itself
 * after a link cut (which is exactly when an upload must resume), chunks stay under the socket's
 * 64 KiB message limit (memory per client stays bounded), and it does not depend on which HTTP
 * framework serves the pages (issue 12).
 */
export function multitrackHandlers(spaces: Pick<SpaceService, 'mediaKeyOf' | 'roleIn'>, uploads: TrackUploads, stage: StageTracks, now: () => number = Date.now): Pick<FeatureHandlers, MultitrackRequest> {
  return {
    'clock.now': () => ({ serverMs: now() }),
    'track.begin': (c, p) => uploads.begin(c.participant, p),
    'track.chunk': (c, p) => uploads.chunk(c.participant, p),
    'track.finish': (c, p) => uploads.finish(c.participant, p),
    'track.list': (c, p) => ({ tracks: uploads.list(c.participant, p.spaceId) }),
    'track.read': (c, p) => uploads.read(c.participant, p),
    'stage.record': async (c, p) => {
      const { key, hostAccountId } = spaces.mediaKeyOf(p.spaceId);
      if (!mayRecord(spaces.roleIn(c.participant, p.spaceId) ?? 'listener') && c.participant.identity.accountId !== hostAccountId) {
        throw new AppError('forbidden', 'only the host records the stage');
      }
      await stage.record(key, p.spaceId, p.on);
      return { on: p.on };
    },
    'stage.tracks': async (c, p) => {
      uploads.mayRead(c.participant, p.spaceId);
      const tracks = await stage.tracks(spaces.mediaKeyOf(p.spaceId).key, p.spaceId, { from: p.from, to: p.to });
      return { tracks: tracks.map(({ file: _, ...t }) => t) };
    },
    'stage.trackRead': (c, p) => {
      uploads.mayRead(c.participant, p.spaceId);
      const fd = openSync(stage.file(p.spaceId, p.name), 'r');
      try {
        const buf = Buffer.alloc(p.length);
        const n = readSync(fd, buf, 0, p.length, p.offset);
        return { data: buf.subarray(0, n).toString('base64') };
      } finally {
        closeSync(fd);
      }
    },
  };
}
