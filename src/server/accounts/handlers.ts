import { AppError } from '../../shared/errors.js';
import type { AccountPublic, SignedIn } from '../../shared/account.js';
import type { CoreRequestType } from '../../shared/signaling.js';
import type { Connection, Handlers } from '../feature.js';
import type { Participant } from '../spaces/participant.js';
import type { HostCheck } from '../spaces/handlers.js';
import type { AccountService } from './service.js';
import type { Logger } from '../operator/logging.js';

export type AccountRequestType = Extract<CoreRequestType, `auth.${string}` | `account.${string}`>;

/** What the Spaces must hear of a connection's sign-in and sign-out (its presence follows it). */
export interface SessionListener {
  signedIn(p: Participant, account: AccountPublic, token: string): void;
  signedOut(p: Participant): Promise<void>;
}

/** The signaling handlers of sign-in, sessions and follows. */
export function accountHandlers(accounts: AccountService, sessions: SessionListener, log?: Logger): Handlers<AccountRequestType> {
  const signIn = (c: Connection, signedIn: SignedIn): SignedIn => {
    sessions.signedIn(c.participant, signedIn.account, signedIn.token);
    log?.info({ conn: c.participant.id, handle: signedIn.account.handle }, 'signed in');
    return signedIn;
  };
  return {
    'auth.register': async (c, p) => signIn(c, await accounts.register(p.handle, p.displayName, p.password)),
    'auth.signIn': async (c, p) => signIn(c, await accounts.signIn(p.handle, p.password)),
    'auth.resume': (c, p) => signIn(c, accounts.resume(p.token)),
    'auth.signOut': async (c) => {
      if (c.participant.token) accounts.signOut(c.participant.token);
      await sessions.signedOut(c.participant);
      return {};
    },
    'account.get': (c, p) => {
      const account = accounts.get(p.handle);
      const me = c.participant.identity.accountId;
      return { account, following: !!me && accounts.isFollowing(me, account.id) };
    },
    'account.follow': (c, p) => ({ account: accounts.follow(requireAccount(c), p.handle) }),
    'account.unfollow': (c, p) => ({ account: accounts.unfollow(requireAccount(c), p.handle) }),
  };
}

/** Who may host a Space: a live session (re-checked: it may have been signed out elsewhere) of an account the hosting policy lets host. */
export function hostCheck(accounts: AccountService): HostCheck {
  return {
    hostFor(token) {
      if (!token) throw new AppError('unauthenticated', 'sign in to host a Space');
      const account = accounts.resume(token).account;
      accounts.assertMayHost(account);
      return account;
    },
  };
}

function requireAccount(c: Connection): string {
  const id = c.participant.identity.accountId;
  if (!id) throw new AppError('unauthenticated', 'sign in first');
  return id;
}
