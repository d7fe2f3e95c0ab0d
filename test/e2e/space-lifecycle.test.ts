import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import type { ServerEvent } from '../../src/shared/signaling.js';
import type { RunningServer } from '../../src/server/app.js';
import { apiClient, outcome } from '../support/apiClient.js';
import { startTestServer } from '../support/stack.js';

/** Host absence and hand-over, reactions and their rate limit, through the real WebSocket API. */
describe('a Space over time', () => {
  let server: RunningServer;
  const open: SignalingClient[] = [];
  const signedIn = async (handle: string): Promise<{ c: SignalingClient; token: string; memberId: string }> => {
    const c = await apiClient(server.url);
    open.push(c);
    const r = await c.request('auth.register', { handle, displayName: handle, password: 'correct horse battery' });
    return { c, token: r.token, memberId: `a_${r.account.id}` };
  };
  const events = (c: SignalingClient): ServerEvent[] => {
    const seen: ServerEvent[] = [];
    c.onEvent((e) => seen.push(e));
    return seen;
  };

  beforeAll(async () => {
    server = await startTestServer({ janusWsPort: 8195, hostGraceMs: 1500, reactionsPer10s: 3 });
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await server?.close();
  });

  it('the host drops: the Space stays live for the grace period and the host gets the role back on return', async () => {
    const host = await signedIn('grace_host');
    const { space } = await host.c.request('space.create', { title: 'Grace' });
    await host.c.request('space.join', { spaceId: space.id });
    const listener = await signedIn('grace_listener');
    await listener.c.request('space.join', { spaceId: space.id });
    host.c.close();
    await new Promise((r) => setTimeout(r, 500));
    const watched = await listener.c.request('space.watch', { spaceId: space.id });
    expect(watched.space.state).toBe('scheduled');
    const back = await apiClient(server.url);
    open.push(back);
    await back.request('auth.resume', { token: host.token });
    const rejoined = await back.request('space.join', { spaceId: space.id });
    expect(rejoined.self.role).toBe('host');
    expect(rejoined.roster.stage[0]).toMatchObject({ role: 'host', present: true });
    await new Promise((r) => setTimeout(r, 2000)); // past the grace period: still not ended
    expect((await listener.c.request('space.watch', { spaceId: space.id })).space.state).toBe('scheduled');
  });

  it('a host who stays away past the grace period ends the Space', async () => {
    const host = await signedIn('gone_host');
    const { space } = await host.c.request('space.create', { title: 'Gone' });
    await host.c.request('space.join', { spaceId: space.id });
    const listener = await signedIn('gone_listener');
    await listener.c.request('space.join', { spaceId: space.id });
    host.c.close();
    await expect
      .poll(async () => (await listener.c.request('space.watch', { spaceId: space.id })).space.state, { timeout: 5000, interval: 200 })
      .toBe('ended');
  });

  it('the host hands the Space to a co-host when leaving; leaving without handing over ends it', async () => {
    const host = await signedIn('hand_host');
    const heir = await signedIn('hand_heir');
    const { space } = await host.c.request('space.create', { title: 'Hand over' });
    const spaceId = space.id;
    await host.c.request('space.join', { spaceId });
    await heir.c.request('space.join', { spaceId });
    // Only a co-host can take over.
    expect(await outcome(host.c, 'space.leave', { spaceId, handTo: heir.memberId })).toBe('invalid_state');
    await host.c.request('invite.send', { spaceId, memberId: heir.memberId });
    await heir.c.request('invite.accept', { spaceId });
    await host.c.request('cohost.add', { spaceId, memberId: heir.memberId });
    const heirEvents = events(heir.c);
    await host.c.request('space.leave', { spaceId, handTo: heir.memberId });
    await expect.poll(() => heirEvents.some((e) => e.type === 'space.self' && e.self.role === 'host')).toBe(true);
    const watched = await heir.c.request('space.watch', { spaceId });
    expect(watched.space).toMatchObject({ state: 'scheduled', hostHandle: 'hand_heir', hostName: 'hand_heir' });
    // The old host is now a stranger to it; the new host may end it.
    expect(await outcome(host.c, 'space.end', { spaceId })).toBe('forbidden');
    await heir.c.request('space.leave', { spaceId });
    expect((await heir.c.request('space.watch', { spaceId })).space.state).toBe('ended');
  });

  it('reactions reach everyone in the Space, and each member is rate-limited', async () => {
    const host = await signedIn('react_host');
    const { space } = await host.c.request('space.create', { title: 'Reactions' });
    await host.c.request('space.join', { spaceId: space.id });
    const fan = await apiClient(server.url);
    open.push(fan);
    await fan.request('space.join', { spaceId: space.id, displayName: 'Fan' });
    const hostEvents = events(host.c);
    for (let i = 0; i < 3; i++) await fan.request('reaction.send', { spaceId: space.id, reaction: '💯' });
    expect(await outcome(fan, 'reaction.send', { spaceId: space.id, reaction: '💯' })).toBe('rate_limited');
    await expect.poll(() => hostEvents.filter((e) => e.type === 'space.reaction').length).toBe(3);
    expect(hostEvents.find((e) => e.type === 'space.reaction')).toMatchObject({ displayName: 'Fan', reaction: '💯' });
  });
});
