import { describe, expect, it } from 'vitest';
import { ipcCalls } from './ipc.js';
import { SPACE_ACTIONS, SpaceAction } from './spaceActions.js';
import { requests } from './signaling.js';

describe('the generic Space-action relay', () => {
  it('accepts an action with the parameters its signaling request takes', () => {
    expect(ipcCalls.spaceAction.request.parse({ type: 'member.mute', params: { spaceId: 'abcdefghij', memberId: 'a_abcdef12' } })).toEqual({
      type: 'member.mute',
      params: { spaceId: 'abcdefghij', memberId: 'a_abcdef12' },
    });
    expect(SpaceAction.parse({ type: 'staff.note', params: { spaceId: 'abcdefghij', text: '  two minutes  ' } })).toEqual({ type: 'staff.note', params: { spaceId: 'abcdefghij', text: 'two minutes' } });
  });

  it('refuses what the signaling contract would refuse, and requests that are not Space actions', () => {
    const bad = [
      { type: 'member.mute', params: { spaceId: 'abcdefghij' } },
      { type: 'member.mute', params: { spaceId: 'abcdefghij', memberId: 'a_abcdef12', extra: 1 } },
      { type: 'reaction.send', params: { spaceId: 'abcdefghij', reaction: '💩' } },
      { type: 'space.end', params: { spaceId: 'abcdefghij' } },
      { type: 'auth.signIn', params: { handle: 'x', password: 'y' } },
      { type: 'member.mute' },
    ];
    for (const b of bad) expect(SpaceAction.safeParse(b).success, JSON.stringify(b)).toBe(false);
  });

  it('every relayed action is a signaling request', () => {
    for (const type of SPACE_ACTIONS) expect(requests[type]).toBeDefined();
  });
});
