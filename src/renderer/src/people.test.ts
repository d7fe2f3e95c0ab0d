import { describe, expect, it } from 'vitest';
import type { Member, Role, Roster, SelfState } from '../../shared/space';
import { audienceActions, mayAnswerRequests, seats, stageActions, withSpeaking } from './people';

const member = (id: string, role: Role, extra: Partial<Member> = {}): Member => ({
  id,
  displayName: id,
  handle: null,
  role,
  onStage: true,
  muted: false,
  speaking: false,
  present: true,
  ...extra,
});
const me = (memberId: string, role: Role, muted = false): SelfState => ({ spaceId: 'abcdefghij', memberId, role, requested: false, invited: false, muted });

const host = member('a_host00', 'host');
const cohost = member('a_cohost1', 'cohost');
const speaker = member('a_speaker1', 'speaker');
const listener = member('a_listener1', 'listener');
const guest = member('g_guest001', 'listener');

describe('what the Studio may do to people', () => {
  it('the host manages everyone but themselves, and picks co-hosts', () => {
    const self = me(host.id, 'host');
    expect(stageActions(self, host)).toEqual([]);
    expect(stageActions(self, cohost)).toEqual(['mute', 'toAudience', 'removeCohost', 'remove']);
    expect(stageActions(self, speaker)).toEqual(['mute', 'toAudience', 'addCohost', 'remove']);
    expect(stageActions(self, { ...speaker, muted: true })).toEqual(['toAudience', 'addCohost', 'remove']);
  });

  it('a co-host manages speakers only, never the host or other co-hosts', () => {
    const self = me(cohost.id, 'cohost');
    expect(stageActions(self, host)).toEqual([]);
    expect(stageActions(self, member('a_cohost2', 'cohost'))).toEqual([]);
    expect(stageActions(self, speaker)).toEqual(['mute', 'toAudience', 'remove']);
    expect(mayAnswerRequests(self)).toBe(true);
  });

  it('nobody gets actions on themselves but Unmute when muted', () => {
    expect(stageActions(me(host.id, 'host', true), host)).toEqual(['unmute']);
    expect(stageActions(me(speaker.id, 'speaker', true), speaker)).toEqual(['unmute']);
    expect(stageActions(me(speaker.id, 'speaker'), speaker)).toEqual([]);
  });

  it('speakers and listeners moderate nobody', () => {
    expect(stageActions(me(speaker.id, 'speaker'), member('a_other1', 'speaker'))).toEqual([]);
    expect(audienceActions(me(speaker.id, 'speaker'), listener)).toEqual([]);
    expect(mayAnswerRequests(me(listener.id, 'listener'))).toBe(false);
    expect(mayAnswerRequests(null)).toBe(false);
  });

  it('only accounts can be invited to speak', () => {
    const self = me(host.id, 'host');
    expect(audienceActions(self, listener)).toEqual(['invite', 'addProducer', 'remove']);
    expect(audienceActions(self, guest)).toEqual(['remove']);
  });

  it('counts free seats and applies speaking updates until the next roster', () => {
    const roster: Roster = { spaceId: 'abcdefghij', stage: [host, cohost, speaker], producers: [], audience: [listener], requests: [] };
    expect(seats(roster)).toEqual({ speakers: 9, cohosts: 1 });
    const next = withSpeaking(roster, { spaceId: 'abcdefghij', memberId: speaker.id, speaking: true });
    expect(next?.stage.find((m) => m.id === speaker.id)?.speaking).toBe(true);
    expect(withSpeaking(roster, { spaceId: 'zzzzzzzzzz', memberId: speaker.id, speaking: true })).toBe(roster);
    expect(withSpeaking(roster, { spaceId: 'abcdefghij', memberId: speaker.id, speaking: false })).toBe(roster);
    expect(withSpeaking(null, { spaceId: 'abcdefghij', memberId: speaker.id, speaking: true })).toBeNull();
  });
});
