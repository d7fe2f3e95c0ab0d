import { describe, expect, it } from 'vitest';
import { openServerDb } from '../database.js';
import type { SpacePublic } from '../../shared/space.js';
import { analyticsCsv } from '../../shared/analytics.js';
import { newParticipant } from '../spaces/participant.js';
import { AnalyticsStore } from './store.js';
import { AnalyticsService } from './service.js';

const MIN = 60_000;

function setup() {
  let now = 1_000_000;
  const space: SpacePublic = { id: 'space0000001', title: 'Show', hostName: 'Host', hostHandle: 'host', state: 'live', listenerCount: 0, createdAt: now, startedAt: now, endedAt: null };
  const db = openServerDb(':memory:');
  const svc = new AnalyticsService(
    new AnalyticsStore(db),
    { get: () => space, mediaKeyOf: () => ({ hostAccountId: 'acct_host' }), roleIn: () => null },
    { recordingMs: () => 5 * MIN, now: () => now, flushMs: 60_000 },
  );
  return { svc, space, db, at: (ms: number) => (now = space.startedAt! + ms), t0: space.startedAt! };
}

describe('analytics', () => {
  it('3 WebRTC listeners, 2 HLS listeners and a replay play: counts, minutes and the per-minute curve', () => {
    const { svc, space, at } = setup();
    const id = space.id;
    // WebRTC: A 0:30-3:30, B 1:10-2:10, C 2:20-end (5:00); HLS: D 0:40-4:40 (stops), E 1:30-? (beats until 3:00, then silent)
    at(30_000);
    svc.listening(id, 'connA', 'acct_a', true);
    at(40_000);
    svc.report({ spaceId: id, via: 'hls', session: 'sessionD1', event: 'start' });
    at(70_000);
    svc.listening(id, 'connB', 'guest_b', true);
    at(90_000);
    svc.report({ spaceId: id, via: 'hls', session: 'sessionE1', event: 'start' });
    at(130_000);
    svc.listening(id, 'connB', 'guest_b', false);
    at(140_000);
    svc.listening(id, 'connC', 'acct_c', true);
    at(180_000);
    svc.report({ spaceId: id, via: 'hls', session: 'sessionE1', event: 'progress' });
    svc.report({ spaceId: id, via: 'hls', session: 'sessionD1', event: 'progress' });
    at(210_000);
    svc.listening(id, 'connA', 'acct_a', false);
    svc.reaction(id);
    svc.reaction(id);
    svc.speaking(id, 'Host', true);
    at(250_000);
    svc.speaking(id, 'Host', false);
    at(280_000);
    svc.report({ spaceId: id, via: 'hls', session: 'sessionD1', event: 'stop' });
    at(300_000);
    space.state = 'ended';
    space.endedAt = space.startedAt! + 300_000;
    svc.ending(id);
    // After End: one replay play that reaches 4 of the 5 minutes.
    at(400_000);
    svc.report({ spaceId: id, via: 'replay', session: 'replay0001', event: 'start', positionMs: 0 });
    at(640_000);
    svc.report({ spaceId: id, via: 'replay', session: 'replay0001', event: 'stop', positionMs: 4 * MIN });

    const a = svc.get(id);
    expect(a.byVia.webrtc).toEqual({ sessions: 3, listeners: 3, minutes: (180 + 60 + 160) / 60 });
    // E's last report was at 3:00: three missed heartbeats later it counts as ended at 3:00.
    expect(a.byVia.hls).toEqual({ sessions: 2, listeners: 2, minutes: (240 + 90) / 60 });
    expect(a.byVia.replay).toEqual({ sessions: 1, listeners: 1, minutes: 4 });
    expect(a.byVia.clip).toEqual({ sessions: 0, listeners: 0, minutes: 0 });
    expect(a.uniqueListeners).toBe(6);
    expect(a.peakListeners).toBe(4); // 1:30-2:10: A, D, B, E
    expect(a.averageListeners).toBeCloseTo((180 + 60 + 160 + 240 + 90) / 300, 6);
    expect(a.minutesListened).toBeCloseTo((180 + 60 + 160 + 240 + 90 + 240) / 60, 6);
    expect(a.curve).toEqual([
      { minute: 0, joins: 2, leaves: 0, listening: 2 },
      { minute: 1, joins: 2, leaves: 0, listening: 4 },
      { minute: 2, joins: 1, leaves: 1, listening: 3 }, // at 3:00: A, D, C (E ended at its last report, 3:00)
      { minute: 3, joins: 0, leaves: 2, listening: 2 },
      { minute: 4, joins: 0, leaves: 2, listening: 0 },
    ]);
    expect(a.reactions).toBe(2);
    expect(a.speakers).toEqual([{ name: 'Host', talkMs: 40_000 }]);
    expect(a.replay).toEqual({ plays: 1, averageCompletion: 0.8, completed: 0 });
    const csv = analyticsCsv(a);
    expect(csv).toContain('peak_listeners,4\r\n');
    expect(csv).toContain('minute,joins,leaves,listening\r\n0,2,0,2\r\n');
  });

  it('a listener is an opaque key: the same account twice counts once, and no id is stored', () => {
    const { svc, space, db, at } = setup();
    at(1000);
    svc.listening(space.id, 'connection_secret_1', 'acct_secret_id', true);
    at(2000);
    svc.listening(space.id, 'connection_secret_1', 'acct_secret_id', false);
    svc.listening(space.id, 'connection_secret_2', 'acct_secret_id', true);
    at(3000);
    expect(svc.get(space.id).uniqueListeners).toBe(1);
    svc.close();
    const dump = JSON.stringify(db.prepare('SELECT * FROM analytics_sessions').all());
    expect(dump).not.toContain('acct_secret_id');
    expect(dump).not.toContain('connection_secret');
  });

  it('only the owner (or a co-host) sees the figures; a report for an unknown Space or a stopped unknown play changes nothing', () => {
    const { svc, space } = setup();
    const guest = newParticipant();
    expect(() => svc.authorize(guest, space.id)).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
    guest.identity = { ...guest.identity, accountId: 'someone' };
    expect(() => svc.authorize(guest, space.id)).toThrow(expect.objectContaining({ code: 'forbidden' }));
    guest.identity = { ...guest.identity, accountId: 'acct_host' };
    expect(() => svc.authorize(guest, space.id)).not.toThrow();
    svc.report({ spaceId: space.id, via: 'replay', session: 'neverstarted', event: 'stop' });
    expect(svc.get(space.id).byVia.replay.sessions).toBe(0);
  });
});
