import { describe, expect, it } from 'vitest';
import { Room, type Identity } from './room.js';
import { LIMITS } from '../../shared/space.js';
import { mayClip, mayDownloadRecording, roleAfterEnd } from '../../shared/roles.js';

const account = (id: string): Identity => ({ accountId: id, handle: id, displayName: id.toUpperCase(), guestKey: `k${id}` });
const guest = (key: string): Identity => ({ accountId: null, handle: null, displayName: 'Guest', guestKey: key });

function roomWithHost() {
  const room = new Room('abcdefghij', 'host1');
  const host = room.join(account('host1'));
  return { room, host };
}

describe('Room: the rules of a Space', () => {
  it('the host account is the host; everyone else arrives as a listener', () => {
    const { room, host } = roomWithHost();
    expect(host.role).toBe('host');
    expect(room.join(account('ann')).role).toBe('listener');
    expect(room.join(guest('g1abcdef')).role).toBe('listener');
    expect(room.audienceCount()).toBe(2);
  });

  it('requests to speak queue in arrival order and only moderators see them', () => {
    let t = 0;
    const room = new Room('abcdefghij', 'host1', [], () => ++t);
    room.join(account('host1'));
    const b = room.join(account('bob'));
    const a = room.join(account('ann'));
    room.raiseRequest(b);
    room.raiseRequest(a);
    expect(room.roster(true).requests.map((m) => m.id)).toEqual([b.id, a.id]);
    expect(room.roster(false).requests).toEqual([]);
  });

  it('guests cannot request to speak or be invited', () => {
    const { room, host } = roomWithHost();
    const g = room.join(guest('g1abcdef'));
    expect(() => room.raiseRequest(g)).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
    expect(() => room.invite(host, g.id)).toThrow(expect.objectContaining({ code: 'invalid_state' }));
  });

  it('approval makes a speaker; the stage holds 10 speakers and 2 co-hosts', () => {
    const { room, host } = roomWithHost();
    const speakers = Array.from({ length: LIMITS.speakers }, (_, i) => room.join(account(`s${i}`)));
    for (const s of speakers) {
      room.raiseRequest(s);
      room.approve(host, s.id);
    }
    const late = room.join(account('late'));
    room.raiseRequest(late);
    expect(() => room.approve(host, late.id)).toThrow(expect.objectContaining({ code: 'stage_full' }));
    expect(late.role).toBe('listener');
    room.addCohost(host, speakers[0]!.id);
    room.addCohost(host, speakers[1]!.id);
    expect(() => room.addCohost(host, speakers[2]!.id)).toThrow(expect.objectContaining({ code: 'stage_full' }));
    expect(room.roster(true).stage.map((m) => m.role)).toEqual(['host', 'cohost', 'cohost', ...Array(LIMITS.speakers - 2).fill('speaker')]);
  });

  it('co-hosts manage speakers but not the host or other co-hosts, and cannot add co-hosts', () => {
    const { room, host } = roomWithHost();
    const [c1, c2, s] = ['c1', 'c2', 's'].map((id) => room.join(account(id)));
    for (const m of [c1!, c2!, s!]) {
      room.invite(host, m.id);
      room.acceptInvite(m);
    }
    room.addCohost(host, c1!.id);
    room.addCohost(host, c2!.id);
    expect(() => room.mute(c1!, host.id)).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => room.mute(c1!, c2!.id)).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => room.remove(c1!, c2!.id)).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => room.addCohost(c1!, s!.id)).toThrow(expect.objectContaining({ code: 'forbidden' }));
    room.mute(c1!, s!.id);
    expect(s!.muted).toBe(true);
    room.unmute(s!);
    expect(s!.muted).toBe(false);
    room.toAudience(c1!, s!.id);
    expect(s!.role).toBe('listener');
  });

  it('a removed member cannot rejoin; a refused action changes nothing', () => {
    const { room, host } = roomWithHost();
    const ann = room.join(account('ann'));
    const listener = room.join(account('lis'));
    const before = JSON.stringify(room.roster(true));
    expect(() => room.remove(listener, ann.id)).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(JSON.stringify(room.roster(true))).toBe(before);
    room.remove(host, ann.id);
    expect(() => room.join(account('ann'))).toThrow(expect.objectContaining({ code: 'forbidden' }));
  });

  it('the host can hand the Space to a co-host only', () => {
    const { room, host } = roomWithHost();
    const c = room.join(account('c'));
    room.invite(host, c.id);
    room.acceptInvite(c);
    expect(() => room.handOver(host, c.id)).toThrow(expect.objectContaining({ code: 'invalid_state' }));
    room.addCohost(host, c.id);
    room.handOver(host, c.id);
    expect(c.role).toBe('host');
    expect(room.hostAccountId).toBe('c');
  });

  it('listeners leave with their last connection; people with a role stay, away, for their grace period', () => {
    const { room, host } = roomWithHost();
    const ann = room.join(account('ann'));
    room.join(account('ann')); // a second tab
    expect(room.disconnect(ann.id)).toBe(false);
    expect(room.disconnect(ann.id)).toBe(true);
    const sam = room.join(account('sam'));
    room.invite(host, sam.id);
    room.acceptInvite(sam);
    expect(room.disconnect(sam.id)).toBe(false);
    expect(room.disconnect(host.id)).toBe(false);
    expect(room.roster(false).stage.map((m) => [m.role, m.present])).toEqual([['host', false], ['speaker', false]]);
    // Back within the grace period: the same seat.
    expect(room.join(account('sam')).role).toBe('speaker');
    room.disconnect(sam.id);
    room.expire(sam.id);
    expect(room.join(account('sam')).role).toBe('listener');
  });

  it('an absent host is replaced by a present co-host; the owner reclaims the host role on return', () => {
    const { room, host } = roomWithHost();
    const c = room.join(account('c'));
    room.invite(host, c.id);
    room.acceptInvite(c);
    room.addCohost(host, c.id);
    expect(room.takeOver()).toBeNull(); // the host is here
    room.disconnect(host.id);
    expect(room.takeOver()).toBe(c);
    expect(c.role).toBe('host');
    const back = room.join(account('host1'));
    expect(back.role).toBe('host');
    expect(c.role).toBe('cohost');
    expect(room.hostAccountId).toBe('host1');
  });

  it('producers run the queue off stage; only the host appoints them; co-hosts cannot touch them', () => {
    const { room, host } = roomWithHost();
    const prod = room.join(account('prod'));
    const c = room.join(account('c'));
    const req = room.join(account('req'));
    expect(() => room.addProducer(c, prod.id)).toThrow(expect.objectContaining({ code: 'forbidden' }));
    room.addProducer(host, prod.id);
    room.invite(host, c.id);
    room.acceptInvite(c);
    room.addCohost(host, c.id);
    room.raiseRequest(req);
    room.approve(prod, req.id);
    expect(req.role).toBe('speaker');
    expect(() => room.requireOnStage(prod)).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => room.remove(c, prod.id)).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(room.roster(true).producers.map((m) => m.id)).toEqual([prod.id]);
    expect(room.audienceCount()).toBe(0);
  });

  it('counts and views from the notable members agree with a full walk after any sequence of actions', () => {
    let t = 0;
    const room = new Room('abcdefghij', 'host1', [], () => ++t);
    const host = room.join(account('host1'));
    const ids = Array.from({ length: 30 }, (_, i) => (i % 3 ? account(`u${i}`) : guest(`gkey${i}xx`)));
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const brute = () => [...room.members.values()];
    for (let step = 0; step < 2000; step++) {
      const who = ids[rnd(ids.length)]!;
      const m = room.members.get(who.accountId ? `a_${who.accountId}` : `g_${who.guestKey}`);
      const tryIt = (f: () => unknown): void => {
        try {
          f();
        } catch {
          /* refused: changes nothing */
        }
      };
      switch (rnd(9)) {
        case 0: tryIt(() => room.join(who)); break;
        case 1: if (m) tryIt(() => room.disconnect(m.id)); break;
        case 2: if (m) tryIt(() => room.raiseRequest(m)); break;
        case 3: if (m) tryIt(() => room.approve(host, m.id)); break;
        case 4: if (m) tryIt(() => room.toAudience(host, m.id)); break;
        case 5: if (m) tryIt(() => room.invite(host, m.id)); break;
        case 6: if (m) tryIt(() => room.acceptInvite(m)); break;
        case 7: if (m) tryIt(() => room.expire(m.id)); break;
        case 8: if (m) tryIt(() => room.addProducer(host, m.id)); break;
      }
      expect(room.audienceCount()).toBe(brute().filter((x) => x.role === 'listener' && x.connections > 0).length);
      expect(room.persistent().map((x) => x.id).sort()).toEqual(brute().filter((x) => x.role !== 'listener' || x.requestedAt !== null).map((x) => x.id).sort());
      expect(room.roster(true).requests.length).toBe(brute().filter((x) => x.requestedAt !== null).length);
    }
  });
});

describe('roles.ts: clips and downloads', () => {
  it('clips: host and co-hosts by default, the configured roles otherwise (`listener` = anyone); downloads: host and co-hosts', () => {
    expect(['host', 'cohost', 'speaker', 'producer', 'listener', null].map((r) => mayClip(r as never))).toEqual([true, true, false, false, false, false]);
    expect(mayClip('speaker', ['host', 'speaker'])).toBe(true);
    expect(mayClip(null, ['listener'])).toBe(true);
    expect(['host', 'cohost', 'speaker', 'listener', null].map((r) => mayDownloadRecording(r as never))).toEqual([true, true, false, false, false]);
    expect([roleAfterEnd('o', ['o', 'c']), roleAfterEnd('c', ['o', 'c']), roleAfterEnd('x', ['o', 'c']), roleAfterEnd(null, ['o'])]).toEqual(['host', 'cohost', 'listener', null]);
  });
});
