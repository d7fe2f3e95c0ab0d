import { describe, expect, it } from 'vitest';
import { openStudioDb } from './studioDb.js';
import { ScheduleStore } from './scheduleStore.js';
import { HybridClock, format } from './hlc.js';
import type { HostScheduleItem } from '../../shared/schedule.js';

const T0 = Date.UTC(2026, 0, 10, 12);
const fresh = (now = () => T0) => new ScheduleStore(openStudioDb(':memory:'), now);

/** What the server would answer: the local item's fields and clocks as given. */
function serverView(store: ScheduleStore, id: string, clocks: Record<string, string>, patch: Partial<HostScheduleItem['fields']> = {}, version = 1): HostScheduleItem {
  const item = store.get(id)!;
  return { id, fields: { ...item.fields, ...patch }, clocks, status: 'scheduled', reminderCount: 0, ticketsIssued: 0, version };
}

describe('HybridClock', () => {
  it('is monotonic when the wall clock stalls or goes back, and orders after what it observed', () => {
    let t = 1000;
    const c = new HybridClock('a', null, () => t);
    const s1 = c.tick();
    t = 900; // the wall clock went back
    const s2 = c.tick();
    expect(s2 > s1).toBe(true);
    c.observe(format(5000, 3, 'b'));
    const s3 = c.tick();
    expect(s3 > format(5000, 3, 'b')).toBe(true);
    expect(s3.startsWith('000000000005000.000004')).toBe(true);
  });
});

describe('ScheduleStore', () => {
  it('commits every edit with an outbox entry; deleting a never-sent Space forgets it', () => {
    const s = fresh();
    const a = s.create({ title: 'A', startsAt: T0 + 3600_000 });
    s.update(a.id, { title: 'A2', topics: ['jazz'] });
    expect(s.pendingCount()).toBe(2);
    expect(s.peek()).toMatchObject({ op: 'create', spaceId: a.id });
    expect(s.list({ query: 'jaz', limit: 10, offset: 0 }).items.map((i) => i.fields.title)).toEqual(['A2']);
    s.remove(a.id);
    expect(s.pendingCount()).toBe(0);
    expect(s.list({ limit: 10, offset: 0 }).total).toBe(0);
  });

  it('rejects invalid fields with a readable message and changes nothing', () => {
    const s = fresh();
    expect(() => s.create({ title: ' ', startsAt: T0 })).toThrow(/title: a title is required/);
    expect(() => s.create({ title: 'x', startsAt: T0, timeZone: 'Mars/Olympus' })).toThrow(/IANA/);
    expect(s.pendingCount()).toBe(0);
  });

  it('merges per field by clock: newer remote wins, older remote loses, a lost pending edit is a resolved conflict', () => {
    let now = T0;
    const s = fresh(() => now);
    const a = s.create({ title: 'Mine', startsAt: T0 + 3600_000, description: 'd' });
    const entry = s.peek()!;
    const mineClock = (entry.payload as { hlc: string }).hlc;
    s.acknowledge(entry, serverView(s, a.id, Object.fromEntries(Object.keys(a.fields).map((f) => [f, mineClock]))), []);
    expect(s.get(a.id)!.sync.state).toBe('synced');

    // Another device edited the title before ours arrived (earlier wall time), and the notes later.
    now += 10;
    s.update(a.id, { title: 'Mine again' });
    const older = format(T0 + 5, 0, 'other');
    const newer = format(T0 + 50, 0, 'other');
    const clocks = { ...Object.fromEntries(Object.keys(a.fields).map((f) => [f, mineClock])), title: newer, description: older };
    s.merge(serverView(s, a.id, clocks, { title: 'Theirs', description: 'old theirs' }, 2));
    const merged = s.get(a.id)!;
    expect(merged.fields.title).toBe('Theirs'); // newer than our pending edit
    expect(merged.fields.description).toBe('old theirs'); // newer than our creation clock (T0)
    expect(merged.sync).toEqual({ state: 'conflict_resolved', reason: expect.stringContaining('title') });
  });

  it('an acknowledged edit overwritten by a concurrent one (made before ours reached the server) is a resolved conflict', () => {
    let now = T0;
    const s = fresh(() => now);
    const a = s.create({ title: 'Mine', startsAt: T0 + 3600_000 });
    const c1 = (s.peek()!.payload as { hlc: string }).hlc;
    now += 100;
    s.acknowledge(s.peek()!, serverView(s, a.id, Object.fromEntries(Object.keys(a.fields).map((f) => [f, c1]))), []);
    // A concurrent edit stamped between our edit and its acknowledgement.
    const concurrent = format(T0 + 50, 0, 'zzother');
    s.merge(serverView(s, a.id, { ...Object.fromEntries(Object.keys(a.fields).map((f) => [f, c1])), title: concurrent }, { title: 'Concurrent' }, 3));
    expect(s.get(a.id)!.sync.state).toBe('conflict_resolved');
    // A later edit made after seeing ours is an ordinary update.
    const later = format(T0 + 5000, 0, 'zzother');
    s.merge(serverView(s, a.id, { ...Object.fromEntries(Object.keys(a.fields).map((f) => [f, c1])), title: later }, { title: 'Later' }, 4));
    expect(s.get(a.id)!.fields.title).toBe('Later');
  });
});
