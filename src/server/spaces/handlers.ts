import type { AccountPublic } from '../../shared/account.js';
import type { CoreRequestType } from '../../shared/signaling.js';
import { done, type Handlers } from '../feature.js';
import type { SpaceService } from './service.js';

/** The Space's own request types (the core protocol less sign-in and accounts). */
export type SpaceRequestType = Exclude<CoreRequestType, `auth.${string}` | `account.${string}`>;

/** Who may host, asked when a Space is created (the accounts feature answers it). */
export interface HostCheck {
  /** The signed-in account behind a session token, re-checked (it may have been signed out elsewhere). */
  hostFor(token: string | null): AccountPublic;
}

/** The signaling handlers of a live Space: lifecycle, audience, stage, moderation, staff. */
export function spaceHandlers(spaces: SpaceService, hosts: HostCheck): Handlers<SpaceRequestType> {
  return {
    'space.create': (c, p) => {
      const space = spaces.create(hosts.hostFor(c.participant.token), p.title);
      c.follow(space.id);
      return { space };
    },
    'space.watch': (c, p) => {
      const space = spaces.get(p.spaceId);
      c.follow(p.spaceId);
      return { space };
    },
    'space.join': (c, p) => {
      const joined = spaces.join(c.participant, p.spaceId, p.displayName);
      c.follow(p.spaceId);
      return joined;
    },
    'space.leave': async (c, p) => {
      await spaces.leave(c.participant, p.spaceId, p.handTo);
      return {};
    },
    'space.end': async (c, p) => ({ space: await spaces.end(c.participant, p.spaceId) }),
    'stage.join': async (c, p) => ({ sdp: await spaces.joinStage(c.participant, p.spaceId, p.sdp) }),
    'listen.start': async (c, p) => ({ sdp: await spaces.startListening(c.participant, p.spaceId) }),
    'listen.answer': async (c, p) => {
      await spaces.answerListening(c.participant, p.spaceId, p.sdp);
      return {};
    },
    'listen.stop': async (c, p) => {
      await spaces.stopListening(c.participant, p.spaceId);
      return {};
    },
    'request.raise': (c, p) => done(spaces.raiseRequest(c.participant, p.spaceId)),
    'request.cancel': (c, p) => done(spaces.cancelRequest(c.participant, p.spaceId)),
    'request.approve': (c, p) => done(spaces.approve(c.participant, p.spaceId, p.memberId)),
    'request.deny': (c, p) => done(spaces.deny(c.participant, p.spaceId, p.memberId)),
    'invite.send': (c, p) => done(spaces.invite(c.participant, p.spaceId, p.memberId)),
    'invite.accept': (c, p) => done(spaces.acceptInvite(c.participant, p.spaceId)),
    'invite.decline': (c, p) => done(spaces.declineInvite(c.participant, p.spaceId)),
    'stage.toAudience': async (c, p) => done(await spaces.toAudience(c.participant, p.spaceId, p.memberId)),
    'member.mute': async (c, p) => done(await spaces.mute(c.participant, p.spaceId, p.memberId)),
    'member.unmute': async (c, p) => done(await spaces.unmute(c.participant, p.spaceId)),
    'member.remove': async (c, p) => done(await spaces.remove(c.participant, p.spaceId, p.memberId)),
    'cohost.add': (c, p) => done(spaces.addCohost(c.participant, p.spaceId, p.memberId)),
    'cohost.remove': (c, p) => done(spaces.removeCohost(c.participant, p.spaceId, p.memberId)),
    'reaction.send': (c, p) => done(spaces.react(c.participant, p.spaceId, p.reaction)),
    'audience.list': (c, p) => spaces.audiencePage(c.participant, p.spaceId, p.query, p.offset, p.limit),
    'producer.add': (c, p) => done(spaces.addProducer(c.participant, p.spaceId, p.memberId)),
    'producer.remove': (c, p) => done(spaces.removeProducer(c.participant, p.spaceId, p.memberId)),
    'staff.pads': (c, p) => done(spaces.publishPads(c.participant, p.spaceId, p.pads)),
    'staff.cue': (c, p) => done(spaces.cue(c.participant, p.spaceId, p.padId)),
    'staff.note': (c, p) => done(spaces.note(c.participant, p.spaceId, p.text)),
  };
}
