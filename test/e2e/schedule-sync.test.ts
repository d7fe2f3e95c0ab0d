import { createServer } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/app.js';
import type { HostScheduleItem, LocalScheduleItem, ScheduleFields } from '../../src/shared/schedule.js';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import { AppError } from '../../src/shared/errors.js';
import type { Send } from '../../src/main/services/scheduleSync.js';
import { apiClient, outcome } from '../support/apiClient.js';
import { scheduleStudio } from '../support/scheduleStudio.js';
import { requireNetns, startTestServer, tempDir } from '../support/stack.js';

/**
 * Offline-first scheduling through the real stack: the Studio's schedule service (SQLite store,
 * outbox, sync engine) against a real Space server (SQLite, Janus), over the real WebSocket API.
 */
requireNetns();

const HOUR = 3600_000;
const PASSWORD = 'correct horse battery';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Everything the host's account holds on the server, read through the API as another client would. */
async function serverItems(client: SignalingClient): Promise<HostScheduleItem[]> {
  const out = new Map<string, HostScheduleItem>();
  let since = 0;
  for (;;) {
    const page = await client.request('schedule.pull', { since, limit: 500 });
    for (const i of page.items) out.set(i.id, i);
    since = page.cursor;
    if (!page.more) return [...out.values()];
  }
}

const live = (items: HostScheduleItem[]) =>
  Object.fromEntries(items.filter((i) => i.status !== 'cancelled').map((i) => [i.id, i.fields] as const));
const local = (items: LocalScheduleItem[]) => Object.fromEntries(items.map((i) => [i.id, i.fields] as const));

describe('scheduled Spaces: offline edits reach the server', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  afterAll(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function serverWithHost(handle: string, overrides: Parameters<typeof startTestServer>[0] = {}) {
    const server = await startTestServer({ janusWsPort: 8210, ...overrides });
    const api = await apiClient(server.url);
    const { token } = await api.request('auth.register', { handle, displayName: handle, password: PASSWORD });
    return { server, api, token };
  }

  it('50 Spaces created, edited and deleted while the server is stopped: after sync the server holds exactly the final state', async () => {
    const port = await freePort();
    const dataDir = tempDir('server');
    let { server, api, token } = await serverWithHost('offline_host', { port, dataDir });
    const studio = scheduleStudio({ serverUrl: server.url, token });
    cleanup.push(() => studio.close());

    // Two Spaces reach the server while it is up.
    const now = Date.now();
    const early = [0, 1].map((i) => studio.service.saveScheduled({ fields: { title: `Early ${i}`, startsAt: now + (i + 1) * HOUR, timeZone: 'Europe/Paris' } }));
    await studio.service.syncNow();
    expect(studio.service.getSyncStatus().pending).toBe(0);
    expect(Object.keys(live(await serverItems(api)))).toHaveLength(2);

    // The server stops.
    api.close();
    await server.close();

    // Offline: 50 creates, edits of half of them, 10 deletions, plus an edit and a deletion of the synced ones.
    const made: LocalScheduleItem[] = [];
    for (let i = 0; i < 50; i++) {
      made.push(
        studio.service.saveScheduled({
          fields: { title: `Show ${i}`, startsAt: now + (i + 3) * HOUR, timeZone: i % 2 ? 'America/New_York' : 'Asia/Tokyo', topics: ['music'], durationMin: 30 + i },
        }),
      );
    }
    for (let i = 0; i < 50; i += 2) {
      studio.service.saveScheduled({ id: made[i]!.id, fields: { description: `edited ${i}`, cohosts: ['alice_1'], ticketing: i % 4 ? null : { priceCents: 500, count: 20 } } });
      studio.service.saveScheduled({ id: made[i]!.id, fields: { title: `Show ${i} (final)`, notes: `private ${i}` } });
    }
    for (let i = 5; i < 50; i += 5) studio.service.deleteScheduled({ id: made[i]!.id });
    studio.service.saveScheduled({ id: early[0]!.id, fields: { title: 'Early 0 renamed' } });
    studio.service.deleteScheduled({ id: early[1]!.id });

    const offline = await studio.service.syncNow();
    expect(offline.state).toBe('offline');
    expect(studio.all().every((i) => i.sync.state === 'saved_locally')).toBe(true);
    expect(studio.all()).toHaveLength(1 + 50 - 9);

    // The server comes back on the same address with the same database.
    ({ server } = { server: await startTestServer({ janusWsPort: 8210, port, dataDir }) });
    cleanup.push(() => server.close());
    const status = await studio.service.syncNow();
    expect(status).toMatchObject({ state: 'idle', pending: 0, error: null });

    const check = await apiClient(server.url);
    cleanup.push(() => check.close());
    await check.request('auth.resume', { token });
    const onServer = await serverItems(check);
    expect(live(onServer)).toEqual(local(studio.all()));
    // The deleted Space the server had heard of is cancelled there; the 9 never-synced ones never reached it.
    expect(onServer.filter((i) => i.status === 'cancelled').map((i) => i.id)).toEqual([early[1]!.id]);
    expect(onServer).toHaveLength(2 + 41);
    expect(studio.all().every((i) => i.sync.state === 'synced')).toBe(true);
    // The listener page's Space carries the final title.
    expect((await check.request('space.watch', { spaceId: early[0]!.id })).space.title).toBe('Early 0 renamed');
  });

  it('redelivery after lost replies creates no duplicates', async () => {
    const { server, api, token } = await serverWithHost('dup_host');
    cleanup.push(() => server.close(), () => api.close());
    // Every first send of a key reaches the server but its reply is "lost" (a timeout), so the engine sends it again.
    const seen = new Set<string>();
    let lost = 0;
    const intercept = (send: Send): Send =>
      (async (type, params) => {
        const result = await send(type, params);
        const key = (params as { key?: string }).key;
        if (key && !seen.has(key)) {
          seen.add(key);
          lost++;
          throw new AppError('timeout', 'the Space server did not answer in time');
        }
        return result;
      }) as Send;
    const studio = scheduleStudio({ serverUrl: server.url, token }, { intercept });
    cleanup.push(() => studio.close());
    const now = Date.now();
    const items = Array.from({ length: 5 }, (_, i) => studio.service.saveScheduled({ fields: { title: `Dup ${i}`, startsAt: now + (i + 1) * HOUR } }));
    studio.service.saveScheduled({ id: items[0]!.id, fields: { topics: ['a'] } });
    studio.service.saveScheduled({ id: items[0]!.id, fields: { topics: ['a', 'b'] } });
    for (let i = 0; i < 20 && studio.service.getSyncStatus().pending > 0; i++) await studio.service.syncNow();
    expect(lost).toBe(7);
    expect(studio.service.getSyncStatus().pending).toBe(0);

    await api.request('auth.resume', { token });
    const onServer = await serverItems(api);
    expect(onServer).toHaveLength(5);
    expect(onServer.find((i) => i.id === items[0]!.id)!.fields.topics).toEqual(['a', 'b']);

    // The same create sent twice by hand (same key): one Space, the same answer.
    const params = { key: 'handmade-key-1', spaceId: 'dupdupdup1', hlc: `${String(now).padStart(15, '0')}.000000.hand`, fields: { ...items[1]!.fields, title: 'Twice' } };
    const [a, b] = await Promise.all([api.request('schedule.create', params), api.request('schedule.create', params)]);
    expect(a).toEqual(b);
    expect(await serverItems(api)).toHaveLength(6);
  });

  it('two Studios edit the same Space offline: both converge, newest write per field wins', async () => {
    const { server, api, token } = await serverWithHost('two_studios');
    cleanup.push(() => server.close(), () => api.close());
    const a = scheduleStudio({ serverUrl: server.url, token });
    const b = scheduleStudio({ serverUrl: server.url, token });
    cleanup.push(() => a.close(), () => b.close());
    const item = a.service.saveScheduled({ fields: { title: 'Shared', startsAt: Date.now() + 2 * HOUR, description: 'v0' } });
    await a.service.syncNow();
    await b.service.syncNow();
    expect(b.all().map((i) => i.fields)).toEqual([item.fields]);

    // Both lose the network (their server address leads nowhere) and edit.
    const online = server.url;
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    a.target.serverUrl = nowhere;
    b.target.serverUrl = nowhere;
    a.service.saveScheduled({ id: item.id, fields: { title: 'Title from A', notes: 'notes from A' } });
    await new Promise((r) => setTimeout(r, 5));
    b.service.saveScheduled({ id: item.id, fields: { title: 'Title from B', description: 'description from B' } });
    await new Promise((r) => setTimeout(r, 5));
    a.service.saveScheduled({ id: item.id, fields: { durationMin: 90 } });
    expect((await a.service.syncNow()).state).toBe('offline');
    expect((await b.service.syncNow()).state).toBe('offline');

    // Back online: A first, then B, then A again.
    a.target.serverUrl = online;
    b.target.serverUrl = online;
    await a.service.syncNow();
    await b.service.syncNow();
    await a.service.syncNow();

    const expected: Partial<ScheduleFields> = { title: 'Title from B', notes: 'notes from A', description: 'description from B', durationMin: 90 };
    const [fa] = a.all();
    const [fb] = b.all();
    expect(fa!.fields).toEqual(fb!.fields);
    expect(fa!.fields).toMatchObject(expected);
    await api.request('auth.resume', { token });
    expect(live(await serverItems(api))[item.id]).toEqual(fa!.fields);
    // A sees that its title lost to a newer edit.
    expect(fa!.sync).toEqual({ state: 'conflict_resolved', reason: expect.stringContaining('title') });
    expect(fb!.sync.state).toBe('synced');
  });

  it('the server refuses what it owns, and the Studio shows the rejection with its reason', async () => {
    const { server, api, token } = await serverWithHost('owned_host', { maxScheduleDays: 14 });
    cleanup.push(() => server.close(), () => api.close());
    const studio = scheduleStudio({ serverUrl: server.url, token });
    cleanup.push(() => studio.close());
    const now = Date.now();
    const far = studio.service.saveScheduled({ fields: { title: 'Too far', startsAt: now + 20 * 24 * HOUR } });
    const sold = studio.service.saveScheduled({ fields: { title: 'Ticketed', startsAt: now + 5 * HOUR, ticketing: { priceCents: 1000, count: 10 } } });
    await studio.service.syncNow();
    expect(studio.all().find((i) => i.id === far.id)!.sync).toEqual({ state: 'rejected', reason: 'a Space can be scheduled at most 14 days ahead' });

    // A listener takes a ticket; the start time is then the server's.
    await api.request('auth.resume', { token });
    const [code] = (await api.request('ticket.codes', { spaceId: sold.id, kind: 'complimentary', count: 1 })).codes;
    const fan = await apiClient(server.url);
    cleanup.push(() => fan.close());
    await fan.request('auth.register', { handle: 'owned_fan', displayName: 'Fan', password: PASSWORD });
    await fan.request('ticket.claim', { spaceId: sold.id, code: code! });

    studio.service.saveScheduled({ id: sold.id, fields: { startsAt: now + 6 * HOUR, description: 'still editable' } });
    await studio.service.syncNow();
    const after = studio.all().find((i) => i.id === sold.id)!;
    expect(after.sync).toEqual({ state: 'rejected', reason: 'startsAt: 1 ticket(s) sold: the start time can no longer change' });
    expect(after.fields.startsAt).toBe(now + 5 * HOUR);
    expect(after.fields.description).toBe('still editable');
    expect(after.ticketsIssued).toBe(1);

    // Once started, nothing changes any more.
    await api.request('schedule.start', { spaceId: sold.id });
    studio.service.saveScheduled({ id: sold.id, fields: { title: 'Renamed too late' } });
    await studio.service.syncNow();
    const started = studio.all().find((i) => i.id === sold.id)!;
    expect(started.sync).toEqual({ state: 'rejected', reason: 'title: this Space has already started: its settings are fixed' });
    expect(started.fields.title).toBe('Ticketed');
    expect(await outcome(fan, 'schedule.update', { key: 'not-the-host-1', spaceId: sold.id, changes: {} })).toBe('forbidden');
  });
});
