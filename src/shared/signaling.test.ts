import { describe, expect, it } from 'vitest';
import { ClientEnvelope, ServerMessage, requests } from './signaling.js';
import { SpaceId, SpacePublic } from './space.js';

const space = { id: 'abcdefghij', title: 'T', hostName: 'H', hostHandle: 'h', state: 'live', listenerCount: 3, createdAt: 1, startedAt: 2, endedAt: null };

describe('signaling contract', () => {
  it('accepts well-formed requests and rejects each malformed field', () => {
    expect(requests['space.create'].params.safeParse({ title: 'My show' }).success).toBe(true);
    expect(requests['space.create'].params.safeParse({ title: '   ' }).success).toBe(false);
    expect(requests['space.create'].params.safeParse({ title: 'x'.repeat(121) }).success).toBe(false);
    // Strict params: an extra field (e.g. a client claiming a role) is refused, not ignored.
    expect(requests['space.create'].params.safeParse({ title: 'My show', role: 'host' }).success).toBe(false);
    expect(requests['member.mute'].params.safeParse({ spaceId: 'abcdefghij', memberId: 'x' }).success).toBe(false);
    expect(requests['member.mute'].params.safeParse({ spaceId: 'abcdefghij', memberId: 'a_abcdefgh' }).success).toBe(true);
    expect(requests['reaction.send'].params.safeParse({ spaceId: 'abcdefghij', reaction: '💩' }).success).toBe(false);
    expect(requests['auth.register'].params.safeParse({ handle: 'ok_name', displayName: 'A', password: 'short' }).success).toBe(false);
    expect(requests['auth.register'].params.parse({ handle: 'Mixed_Case', displayName: 'A', password: 'long enough pw' }).handle).toBe('mixed_case');
    expect(requests['listen.answer'].params.safeParse({ spaceId: 'abcdefghij', sdp: 'x'.repeat(20_001) }).success).toBe(false);
  });

  it('Space ids are exactly 10 lowercase letters or digits (no path tricks)', () => {
    expect(SpaceId.safeParse('abc123xyz0').success).toBe(true);
    for (const bad of ['ABCDEFGHIJ', 'abc', '../../etc/', 'abcdefghijk', 'abcdefghi!']) expect(SpaceId.safeParse(bad).success).toBe(false);
  });

  it('the envelope needs an id and a type; params are checked per type later', () => {
    expect(ClientEnvelope.safeParse({ id: '1', type: 'space.watch', params: {} }).success).toBe(true);
    expect(ClientEnvelope.safeParse({ type: 'space.watch' }).success).toBe(false);
    expect(ClientEnvelope.safeParse({ id: '', type: 'x' }).success).toBe(false);
  });

  it('server messages: replies, typed errors and events parse; unknown shapes do not', () => {
    expect(ServerMessage.parse({ type: 'reply', id: '1', result: {} }).type).toBe('reply');
    expect(ServerMessage.parse({ type: 'error', id: null, error: { code: 'bad_message', message: 'x' } }).type).toBe('error');
    expect(ServerMessage.safeParse({ type: 'error', id: '1', error: { code: 'teapot', message: 'x' } }).success).toBe(false);
    expect(ServerMessage.parse({ type: 'space.updated', space }).type).toBe('space.updated');
    expect(ServerMessage.safeParse({ type: 'space.updated', space: { ...space, state: 'paused' } }).success).toBe(false);
    expect(SpacePublic.safeParse({ ...space, listenerCount: -1 }).success).toBe(false);
  });
});
