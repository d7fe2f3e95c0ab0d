import { describe, expect, it } from 'vitest';
import { openServerDb } from '../database.js';
import { AppError } from '../../shared/errors.js';
import type { RecordingState } from '../../shared/recording.js';
import type { SpacePublic } from '../../shared/space.js';
import { newParticipant, type Participant } from '../spaces/participant.js';
import { PodcastStore } from './store.js';
import { PodcastService } from './service.js';

function setup() {
  let now = 1_000_000;
  const space: SpacePublic = { id: 'space0000001', title: 'Show', hostName: 'Host', hostHandle: 'host', state: 'live', listenerCount: 0, createdAt: now, startedAt: now, endedAt: null };
  const roles = new Map<Participant, string>();
  let availability: RecordingState['availability'] = 'recording';
  const talk: { name: string; started_at: number; ended_at: number }[] = [];
  const downloads: string[] = [];
  const db = openServerDb(':memory:');
  const svc = new PodcastService(
    new PodcastStore(db),
    {
      spaces: {
        get: (id) => {
          if (id !== space.id) throw new AppError('not_found', 'no Space with this id');
          return space;
        },
        mediaKeyOf: () => ({ hostAccountId: 'acct_host' }),
        roleIn: (p) => roles.get(p) ?? null,
      },
      accounts: { get: () => ({ id: 'acct_host', handle: 'host', displayName: 'Host', followerCount: 0, followingCount: 0 }) },
      recording: {
        state: () => ({ spaceId: space.id, on: false, availability, durationMs: 60_000, segmentS: 1, expiresAt: null }),
        // One span from the Space's start: a wall time t is position t - start.
        timeline: () => ({ state: {} as RecordingState, spans: [{ positionMs: 0, durationMs: 60_000, at: space.startedAt! }], gaps: [], transcriptOriginAt: null }),
        download: async (id) => (downloads.push(id), { dir: '/nonexistent', file: 'recording.m4a' }),
      },
      transcript: { segments: () => [] },
      talk: () => talk,
    },
    { publicUrl: () => 'http://x', ownerEmail: 'p@x', category: 'Technology', language: 'en', now: () => now },
  );
  const person = (role: string | null, accountId: string | null): Participant => {
    const p = newParticipant();
    if (accountId) p.identity = { ...p.identity, accountId };
    if (role) roles.set(p, role);
    return p;
  };
  return { svc, space, talk, downloads, person, at: (ms: number) => (now = space.startedAt! + ms), end: (ms: number, a: RecordingState['availability'] = 'replay') => ((space.state = 'ended'), (space.endedAt = space.startedAt! + ms), (availability = a)) };
}

describe('podcast episodes', () => {
  it('markers by staff only, while live; after End they and speaker changes are chapters on the recording', async () => {
    const { svc, space, talk, person, at, end } = setup();
    const producer = person('producer', 'acct_prod');
    expect(() => svc.mark(person('listener', 'acct_l'), space.id, 'x')).toThrow(expect.objectContaining({ code: 'forbidden' }));
    at(10_000);
    svc.mark(producer, space.id, 'Intro');
    at(50_000);
    svc.mark(producer, space.id);
    // The host from 1 s (within 20 s of the marker at 10 s: no chapter of its own), a guest from
    // 30 s (20 s from both markers: a chapter), the host's 0.5 s cough at 55 s (too short).
    talk.push({ name: 'Host', started_at: space.startedAt! + 1000, ended_at: space.startedAt! + 9000 });
    talk.push({ name: 'Guest', started_at: space.startedAt! + 30_000, ended_at: space.startedAt! + 40_000 });
    talk.push({ name: 'Host', started_at: space.startedAt! + 55_000, ended_at: space.startedAt! + 55_500 });
    end(60_000);
    expect(() => svc.mark(producer, space.id)).toThrow(expect.objectContaining({ code: 'invalid_state' }));
    const host = person(null, 'acct_host');
    const ep = svc.get(host, space.id);
    expect(ep.chapters.map((c) => [c.startMs, c.title, c.kind])).toEqual([
      [10_000, 'Intro', 'marker'],
      [30_000, 'Guest', 'speaker'],
      [50_000, 'Chapter 2', 'marker'],
    ]);
    expect(ep.speakers).toEqual([
      { name: 'Host', handle: 'host', role: 'host' },
      { name: 'Guest', handle: null, role: 'guest' },
    ]);
    // Asking again adds nothing (speaker chapters are made once).
    expect(svc.get(host, space.id).chapters).toHaveLength(3);
  });

  it('only the owner publishes; the GUID and first publication date survive edits and re-publishing; bad input changes nothing', async () => {
    const { svc, space, person, downloads, at, end } = setup();
    end(60_000);
    const host = person(null, 'acct_host');
    await expect(svc.update(person('cohost', 'acct_co'), { spaceId: space.id, published: true })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(svc.update(newParticipant(), { spaceId: space.id, published: true })).rejects.toMatchObject({ code: 'unauthenticated' });
    const first = svc.get(host, space.id);
    await expect(svc.update(host, { spaceId: space.id, showNotes: 'changed', chapters: [{ id: 'cdoesnotexist', title: 'x' }] })).rejects.toMatchObject({ code: 'not_found' });
    expect(svc.get(host, space.id).showNotes).toBe(''); // nothing changed
    at(100_000);
    const published = await svc.update(host, { spaceId: space.id, published: true, showNotes: 'Notes' });
    expect(downloads).toEqual([space.id]); // the enclosure is built before the feed names it
    expect(published).toMatchObject({ published: true, guid: first.guid, publishedAt: space.startedAt! + 100_000, showNotes: 'Notes' });
    at(200_000);
    await svc.update(host, { spaceId: space.id, published: false });
    const again = await svc.update(host, { spaceId: space.id, published: true, showNotes: 'Edited' });
    expect(again).toMatchObject({ guid: first.guid, publishedAt: space.startedAt! + 100_000 });
  });

  it('no replay (not recorded, expired or deleted): cannot be published, and a published one leaves the feed', async () => {
    const { svc, space, person, end } = setup();
    end(60_000, 'none');
    const host = person(null, 'acct_host');
    await expect(svc.update(host, { spaceId: space.id, published: true })).rejects.toMatchObject({ code: 'invalid_state' });
    expect(svc.get(host, space.id)).toMatchObject({ published: false, hasReplay: false });
    expect(await svc.enclosure(space.id)).toBeNull();
    expect(svc.chaptersDocument(space.id)).toBeNull();
  });
});

describe('the feed from the database', () => {
  it('a live Space is a live item with its HLS stream, a scheduled one is pending at its start, a created one is not announced', async () => {
    const db = openServerDb(':memory:');
    db.prepare(`INSERT INTO accounts (id, handle, display_name, password_hash, created_at) VALUES ('acct_h', 'hosty', 'Hosty', 'x', 0)`).run();
    const space = (id: string, state: string, title: string) =>
      db.prepare(`INSERT INTO spaces (id, title, host_account_id, host_handle, host_name, state, created_at, started_at) VALUES (?, ?, 'acct_h', 'hosty', 'Hosty', ?, 1000, ?)`).run(id, title, state, state === 'live' ? 5000 : null);
    space('livelive01', 'live', 'On air');
    space('sched00001', 'scheduled', 'Next week');
    space('created001', 'scheduled', 'Just created');
    const startsAt = Date.UTC(2026, 11, 9, 18);
    db.prepare(`INSERT INTO schedules (space_id, host_account_id, fields, clocks, starts_at, status, version) VALUES ('sched00001', 'acct_h', '{}', '{}', ?, 'scheduled', 1)`).run(startsAt);
    const svc = new PodcastService(
      new PodcastStore(db),
      {
        spaces: { get: () => { throw new AppError('not_found', 'x'); }, mediaKeyOf: () => ({ hostAccountId: 'acct_h' }), roleIn: () => null },
        accounts: { get: (h) => { if (h !== 'hosty') throw new AppError('not_found', 'no such account'); return { id: 'acct_h', handle: 'hosty', displayName: 'Hosty', followerCount: 0, followingCount: 0 }; } },
        recording: {
          state: (id) => ({ spaceId: id, on: true, availability: 'recording', durationMs: 0, segmentS: 1, expiresAt: null }),
          timeline: () => { throw new Error('unused'); },
          download: async () => { throw new Error('unused'); },
        },
        transcript: { segments: () => [] },
        talk: () => [],
      },
      { publicUrl: () => 'http://x', ownerEmail: 'p@x', category: 'Technology', language: 'en', now: () => 10_000 },
    );
    expect(await svc.feed('nobody')).toBeNull();
    const xml = (await svc.feed('hosty'))!;
    const items = [...xml.matchAll(/<podcast:liveItem status="(\w+)" start="([^"]+)"[\s\S]*?<title>([^<]+)<\/title>[\s\S]*?<\/podcast:liveItem>/g)].map((m) => [m[1], m[2], m[3]]);
    expect(items).toEqual([
      ['live', new Date(5000).toISOString(), 'On air'],
      ['pending', new Date(startsAt).toISOString(), 'Next week'],
    ]);
    expect(xml).toContain('<enclosure url="http://x/s/livelive01/hls/live.m3u8" type="application/x-mpegURL" length="0"/>');
    expect(xml).not.toContain('Just created');
  });
});
