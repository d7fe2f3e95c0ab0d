import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import type { RequestParams, RequestType } from '../../src/shared/signaling.js';
import type { RunningServer } from '../../src/server/app.js';
import { apiClient, outcome } from '../support/apiClient.js';
import { startTestServer } from '../support/stack.js';

/**
 * Every action x every role, through the real WebSocket API: allowed, or refused with the typed
 * error, and a refused action changes nothing (the host's view of the Space is identical).
 */
const ROLES = ['host', 'cohost', 'speaker', 'listener', 'anonymous', 'removed', 'otherHost'] as const;
type ActorRole = (typeof ROLES)[number];
type Target = 'requester' | 'bystander' | 'victim' | 'cohost' | 'none';
type Expect = Record<ActorRole, string>;

const F = 'forbidden';
const moderators = (ok = 'ok'): Expect => ({ host: ok, cohost: ok, speaker: F, listener: F, anonymous: F, removed: F, otherHost: F });
const hostOnly: Expect = { host: 'ok', cohost: F, speaker: F, listener: F, anonymous: F, removed: F, otherHost: F };
const members = (ok = 'ok'): Expect => ({ host: ok, cohost: ok, speaker: ok, listener: ok, anonymous: ok, removed: F, otherHost: F });

const MATRIX: { type: RequestType; target: Target; expect: Expect }[] = [
  { type: 'space.end', target: 'none', expect: hostOnly },
  { type: 'cohost.add', target: 'victim', expect: hostOnly },
  { type: 'cohost.remove', target: 'cohost', expect: hostOnly },
  { type: 'request.approve', target: 'requester', expect: moderators() },
  { type: 'request.deny', target: 'requester', expect: moderators() },
  { type: 'invite.send', target: 'bystander', expect: moderators() },
  { type: 'stage.toAudience', target: 'victim', expect: moderators() },
  { type: 'member.mute', target: 'victim', expect: moderators() },
  { type: 'member.remove', target: 'bystander', expect: moderators() },
  {
    type: 'request.raise',
    target: 'none',
    expect: { host: 'invalid_state', cohost: 'invalid_state', speaker: 'invalid_state', listener: 'ok', anonymous: 'unauthenticated', removed: F, otherHost: F },
  },
  {
    type: 'member.unmute',
    target: 'none',
    expect: { host: 'ok', cohost: 'ok', speaker: 'ok', listener: 'invalid_state', anonymous: 'invalid_state', removed: F, otherHost: F },
  },
  { type: 'invite.accept', target: 'none', expect: { ...members('invalid_state') } },
  { type: 'reaction.send', target: 'none', expect: members() },
  { type: 'listen.start', target: 'none', expect: members() },
  { type: 'space.join', target: 'none', expect: { ...members(), otherHost: 'ok' } },
];
/** stage.join goes on to Janus with our fake offer; allowed roles get past authorization only. */
const STAGE_ALLOWED: ActorRole[] = ['host', 'cohost', 'speaker'];

describe('authorization matrix (real server, real Janus, real SQLite)', () => {
  let server: RunningServer;
  const c = {} as Record<ActorRole | 'requester' | 'bystander' | 'victim', SignalingClient>;
  const memberIds = {} as Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer({ janusWsPort: 8191 });
    for (const name of [...ROLES, 'requester', 'bystander', 'victim'] as const) {
      c[name] = await apiClient(server.url);
      if (name === 'anonymous') continue;
      const { account } = await c[name].request('auth.register', { handle: `u_${name}`, displayName: name, password: 'correct horse battery' });
      memberIds[name] = `a_${account.id}`;
    }
  }, 120_000);
  afterAll(async () => {
    for (const client of Object.values(c)) client.close();
    await server?.close();
  });

  /** A fresh Space with everyone in their role. */
  async function setUp(): Promise<string> {
    const { space } = await c.host.request('space.create', { title: 'Matrix' });
    const spaceId = space.id;
    await c.host.request('space.join', { spaceId });
    for (const name of ['cohost', 'speaker', 'listener', 'requester', 'bystander', 'victim', 'removed'] as const) {
      await c[name].request('space.join', { spaceId });
    }
    const joinedGuest = await c.anonymous.request('space.join', { spaceId, displayName: 'Anon' });
    memberIds.anonymous = joinedGuest.self.memberId;
    for (const name of ['cohost', 'speaker', 'victim'] as const) {
      await c.host.request('invite.send', { spaceId, memberId: memberIds[name]! });
      await c[name].request('invite.accept', { spaceId });
    }
    await c.host.request('cohost.add', { spaceId, memberId: memberIds.cohost! });
    await c.requester.request('request.raise', { spaceId });
    await c.host.request('member.remove', { spaceId, memberId: memberIds.removed! });
    return spaceId;
  }

  async function snapshot(spaceId: string): Promise<string> {
    const joined = await c.host.request('space.join', { spaceId }).catch(() => null);
    const { space } = await c.bystander.request('space.watch', { spaceId });
    return JSON.stringify({ state: space.state, roster: joined?.roster ?? null });
  }

  for (const row of MATRIX) {
    it(`${row.type}: ${ROLES.map((r) => `${r}=${row.expect[r]}`).join(', ')}`, async () => {
      for (const role of ROLES) {
        const spaceId = await setUp();
        const targetId = row.target === 'none' ? undefined : row.target === 'cohost' ? memberIds.cohost : memberIds[row.target];
        const params = {
          spaceId,
          ...(targetId ? { memberId: targetId } : {}),
          ...(row.type === 'reaction.send' ? { reaction: '👏' } : {}),
          ...(row.type === 'space.join' && role === 'anonymous' ? { displayName: 'Anon' } : {}),
        } as RequestParams<typeof row.type>;
        const before = await snapshot(spaceId);
        const got = await outcome(c[role], row.type, params);
        expect({ role, got }).toEqual({ role, got: row.expect[role] });
        if (got !== 'ok') expect(await snapshot(spaceId)).toBe(before);
        await c.host.request('space.end', { spaceId }).catch(() => undefined);
      }
    });
  }

  it(`stage.join: only ${STAGE_ALLOWED.join(', ')} get past authorization`, async () => {
    const spaceId = await setUp();
    const sdp = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
    for (const role of ROLES) {
      const before = await snapshot(spaceId);
      const got = await outcome(c[role], 'stage.join', { spaceId, sdp });
      if (STAGE_ALLOWED.includes(role)) expect({ role, got }).not.toEqual({ role, got: 'forbidden' });
      else {
        expect({ role, got }).toEqual({ role, got: 'forbidden' });
        expect(await snapshot(spaceId)).toBe(before);
      }
    }
  });

  it('accounts: sign-out revokes the token; wrong passwords and taken handles are typed errors', async () => {
    const a = await apiClient(server.url);
    const { token } = await a.request('auth.register', { handle: 'u_revoke', displayName: 'R', password: 'correct horse battery' });
    expect(await outcome(a, 'auth.register', { handle: 'U_REVOKE', displayName: 'R', password: 'correct horse battery' })).toBe('conflict');
    expect(await outcome(a, 'auth.signIn', { handle: 'u_revoke', password: 'wrong password!' })).toBe('unauthenticated');
    expect(await outcome(a, 'auth.signIn', { handle: 'u_nobody', password: 'wrong password!' })).toBe('unauthenticated');
    await a.request('auth.signOut', {});
    const b = await apiClient(server.url);
    expect(await outcome(b, 'auth.resume', { token })).toBe('unauthenticated');
    expect(await outcome(b, 'space.create', { title: 'Nope' })).toBe('unauthenticated');
    a.close();
    b.close();
  });

  it('follows: counts are visible and you cannot follow yourself', async () => {
    await c.listener.request('account.follow', { handle: 'u_host' });
    await c.speaker.request('account.follow', { handle: 'u_host' });
    await c.speaker.request('account.follow', { handle: 'u_host' }); // idempotent
    const { account, following } = await c.listener.request('account.get', { handle: 'u_host' });
    expect(account.followerCount).toBe(2);
    expect(following).toBe(true);
    expect(await outcome(c.host, 'account.follow', { handle: 'u_host' })).toBe('invalid_state');
    await c.speaker.request('account.unfollow', { handle: 'u_host' });
    expect((await c.listener.request('account.get', { handle: 'u_host' })).account.followerCount).toBe(1);
  });
});

describe('hosting policy', () => {
  it('min_followers refuses a host with too few followers, with the reason', async () => {
    const server = await startTestServer({ janusWsPort: 8192, hosting: 'min_followers:2' });
    try {
      const host = await apiClient(server.url);
      await host.request('auth.register', { handle: 'u_star', displayName: 'Star', password: 'correct horse battery' });
      const err = await host.request('space.create', { title: 'Too early' }).catch((e: Error & { code: string }) => e);
      expect(err).toMatchObject({ code: 'forbidden', message: 'hosting needs at least 2 followers; you have 0' });
      for (const fan of ['u_fan1', 'u_fan2']) {
        const f = await apiClient(server.url);
        await f.request('auth.register', { handle: fan, displayName: fan, password: 'correct horse battery' });
        await f.request('account.follow', { handle: 'u_star' });
        f.close();
      }
      await expect(host.request('space.create', { title: 'Now' })).resolves.toMatchObject({ space: { state: 'scheduled' } });
      host.close();
    } finally {
      await server.close();
    }
  });
});
