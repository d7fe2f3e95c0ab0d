import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountPublic } from '../../shared/account.js';
import type { ServerEvent } from '../../shared/signaling.js';
import { SpaceStore } from './store.js';
import { openServerDb } from '../database.js';
import { FakeMediaPort } from '../media/fakeMedia.js';
import { SpaceService } from './service.js';
import type { Notifier, SpaceSnapshot } from './notifier.js';
import { newParticipant, type Participant } from './participant.js';
import type Database from 'better-sqlite3';

/** A notifier that records what each connection would receive (no sockets). */
class RecordingNotifier implements Notifier {
  readonly toOne = new Map<Participant, ServerEvent[]>();
  readonly toAll: { spaceId: string; event: ServerEvent }[] = [];
  readonly snapshots: SpaceSnapshot[] = [];
  audience = 0;
  toSpace(spaceId: string, event: ServerEvent): void {
    this.toAll.push({ spaceId, event });
  }
  toParticipant(p: Participant, event: ServerEvent): void {
    const list = this.toOne.get(p) ?? [];
    list.push(event);
    this.toOne.set(p, list);
  }
  snapshot(s: SpaceSnapshot): void {
    this.snapshots.push(s);
  }
  subscribers(): number {
    return this.audience;
  }
  resets(p: Participant): number {
    return (this.toOne.get(p) ?? []).filter((e) => e.type === 'media.reset').length;
  }
}

const hostAccount: AccountPublic = { id: 'host0001', handle: 'hosty', displayName: 'Hosty', followerCount: 0, followingCount: 0 };

describe('SpaceService against a fake media port', () => {
  let db: Database.Database;
  let media: FakeMediaPort;
  let notifier: RecordingNotifier;
  let spaces: SpaceService;
  let host: Participant;
  let spaceId: string;

  beforeEach(async () => {
    db = openServerDb(':memory:');
    media = new FakeMediaPort([
      { id: 'local', cap: 2 },
      { id: 'edge-a', cap: 2 },
    ]);
    notifier = new RecordingNotifier();
    spaces = new SpaceService({
      store: new SpaceStore(db),
      media,
      notifier,
      options: { hostGraceMs: 60_000, memberGraceMs: 30_000, reactionLimit: { count: 100, windowMs: 10_000 } },
    });
    host = newParticipant();
    spaces.signedIn(host, hostAccount, 'token');
    db.prepare(`INSERT INTO accounts (id, handle, display_name, password_hash, created_at) VALUES (?, ?, ?, 'x', 0)`).run(hostAccount.id, hostAccount.handle, hostAccount.displayName);
    spaceId = spaces.create(hostAccount, 'A popular Space').id;
    spaces.join(host, spaceId);
    await spaces.joinStage(host, spaceId, 'v=0 offer from the host');
  });
  afterEach(() => {
    spaces.stop();
    db.close();
  });

  const listener = async (name: string): Promise<Participant> => {
    const p = newParticipant();
    spaces.join(p, spaceId, name);
    await spaces.startListening(p, spaceId);
    return p;
  };
  const nodeOf = (p: Participant): string | undefined => p.presence.get(spaceId)?.listen?.peer.node;

  it('places listeners on the least-filled node under its cap; over every cap the audience is full', async () => {
    const a = await listener('A');
    const b = await listener('B');
    const c = await listener('C');
    const d = await listener('D');
    expect([a, b, c, d].map(nodeOf).sort()).toEqual(['edge-a', 'edge-a', 'local', 'local']);
    expect(media.nodes().map((n) => n.listeners)).toEqual([2, 2]);
    const e = newParticipant();
    spaces.join(e, spaceId, 'E');
    await expect(spaces.startListening(e, spaceId)).rejects.toMatchObject({ code: 'audience_full' });
    expect(e.presence.get(spaceId)?.listen).toBeUndefined();
    // Someone leaves: their seat on that node is free again.
    await spaces.disconnect(a);
    await spaces.startListening(e, spaceId);
    expect(media.nodes().map((n) => n.listeners)).toEqual([2, 2]);
  });

  it('an edge dies: only its listeners are told to renegotiate, and they are placed on a live node', async () => {
    const ps = [await listener('A'), await listener('B')];
    const onEdge = ps.filter((p) => nodeOf(p) === 'edge-a');
    const onLocal = ps.filter((p) => nodeOf(p) === 'local');
    expect(onEdge.length).toBeGreaterThan(0);
    media.killNode('edge-a');
    for (const p of onEdge) {
      expect(notifier.resets(p)).toBe(1);
      expect(p.presence.get(spaceId)?.listen).toBeUndefined();
    }
    for (const p of onLocal) expect(notifier.resets(p)).toBe(0);
    expect(notifier.resets(host)).toBe(0); // the stage was not on the edge
    // Renegotiating places them on the node that is left.
    await spaces.startListening(onEdge[0]!, spaceId);
    expect(nodeOf(onEdge[0]!)).toBe('local');
  });

  it('the stage node dies: the stage moves, the speakers renegotiate, the Space stays live', async () => {
    const p = await listener('A');
    const home = media.stages.values().next().value!.node;
    expect(nodeOf(p)).toBe(home); // the first listener shares the stage's node (placement ties go to it)
    media.killNode(home);
    expect(notifier.resets(host)).toBe(1);
    expect(host.presence.get(spaceId)?.stage).toBeUndefined();
    expect(spaces.get(spaceId).state).toBe('live');
    await spaces.joinStage(host, spaceId, 'v=0 offer again');
    expect(host.presence.get(spaceId)?.stage?.node).not.toBe(home);
    // The listener on the dead node was told too, and its dead peer is forgotten.
    expect(notifier.resets(p)).toBe(1);
    expect(nodeOf(p)).toBeUndefined();
  });

  it('listeners get the stage and the counts; moderators also get the queue and the newest listeners', async () => {
    for (let i = 0; i < 70; i++) spaces.join(newParticipant(), spaceId, `Listener ${i}`);
    const joined = spaces.join(newParticipant(), spaceId, 'Late');
    expect(joined.roster.audience).toEqual([]);
    expect(joined.roster.stage.map((m) => m.displayName)).toEqual(['Hosty']);
    expect(joined.space.listenerCount).toBe(71);
    notifier.snapshots.length = 0;
    (spaces as unknown as { snapshots: { flush(): void } }).snapshots.flush();
    const snap = notifier.snapshots.at(-1)!;
    expect(JSON.parse(snap.update).space.listenerCount).toBe(71);
    const mod = JSON.parse(snap.moderatorRoster!).roster;
    expect(mod.audience).toHaveLength(50);
    expect(mod.audience[0].displayName).toBe('Late');
    expect(snap.isModerator(host)).toBe(true);
  });

  it('moderators page and search the audience; listeners may not', async () => {
    for (let i = 0; i < 120; i++) spaces.join(newParticipant(), spaceId, i % 10 === 0 ? `Marta ${i}` : `Listener ${i}`);
    const page1 = spaces.audiencePage(host, spaceId, '', 0, 100);
    const page2 = spaces.audiencePage(host, spaceId, '', 100, 100);
    expect(page1.total).toBe(120);
    expect(page1.members).toHaveLength(100);
    expect(page2.members).toHaveLength(20);
    expect(new Set([...page1.members, ...page2.members].map((m) => m.id)).size).toBe(120);
    const martas = spaces.audiencePage(host, spaceId, 'marta', 0, 50);
    expect(martas.total).toBe(12);
    expect(martas.members.every((m) => m.displayName.startsWith('Marta'))).toBe(true);
    const someone = newParticipant();
    spaces.join(someone, spaceId, 'Nosy');
    expect(() => spaces.audiencePage(someone, spaceId, '', 0, 10)).toThrow(expect.objectContaining({ code: 'forbidden' }));
  });

  it('reactions: one by one in a small room, counted per window in a big one', async () => {
    const fan = await listener('Fan');
    notifier.audience = 10;
    spaces.react(fan, spaceId, '👏');
    spaces.react(fan, spaceId, '👏');
    expect(notifier.toAll.filter((e) => e.event.type === 'space.reaction')).toHaveLength(2);
    notifier.toAll.length = 0;
    notifier.audience = 10_000;
    await new Promise((r) => setTimeout(r, 1050)); // a fresh window
    for (let i = 0; i < 30; i++) spaces.react(fan, spaceId, i % 3 ? '❤️' : '😂');
    expect(notifier.toAll.filter((e) => e.event.type === 'space.reaction')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1100));
    const counted = notifier.toAll.filter((e) => e.event.type === 'space.reactions');
    expect(counted).toHaveLength(1);
    const counts = (counted[0]!.event as Extract<ServerEvent, { type: 'space.reactions' }>).counts;
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(29);
  });

  it('a refused action changes nothing and opens no media', async () => {
    const p = newParticipant();
    const callsBefore = media.calls.length;
    await expect(spaces.startListening(p, spaceId)).rejects.toMatchObject({ code: 'forbidden' });
    expect(media.calls.length).toBe(callsBefore);
    await spaces.end(host, spaceId);
    expect(media.calls.at(-1)).toMatch(/^closeStage/);
    expect(() => spaces.join(p, spaceId, 'Late')).toThrow(expect.objectContaining({ code: 'invalid_state' }));
  });
});
