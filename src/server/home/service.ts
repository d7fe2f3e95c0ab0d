import type { AccountPublic } from '../../shared/account.js';
import { AppError } from '../../shared/errors.js';
import type { SpacePublic } from '../../shared/space.js';
import type { AccountService } from '../accounts/service.js';
import type { SpaceService } from '../spaces/service.js';
import type { ClipRow, HomeStore, ReplayRow, UpcomingRow } from './store.js';

export interface HomeView {
  q: string;
  live: SpacePublic[];
  upcoming: UpcomingRow[];
  replays: ReplayRow[];
}

export interface HostView extends Omit<HomeView, 'q'> {
  account: AccountPublic;
  clips: ClipRow[];
}

/** What the home pages show: live Spaces by listeners (from the Space service), upcoming, replays, clips. */
export class HomeService {
  constructor(
    private readonly store: HomeStore,
    private readonly spaces: Pick<SpaceService, 'get'>,
    private readonly accounts: Pick<AccountService, 'get'>,
    private readonly now: () => number = Date.now,
  ) {}

  home(q: string): HomeView {
    const query = q.trim().toLowerCase().slice(0, 60);
    const live = this.live().filter((s) => !query || `${s.title} ${s.hostHandle} ${s.hostName}`.toLowerCase().includes(query));
    return { q: query, live: live.slice(0, 24), upcoming: this.store.upcoming(this.now(), { q: query, limit: 12 }), replays: this.store.replays({ q: query, limit: 12 }) };
  }

  host(handle: string): HostView | null {
    let account: AccountPublic;
    try {
      account = this.accounts.get(handle);
    } catch (err) {
      if (AppError.from(err).code === 'not_found') return null;
      throw err;
    }
    return {
      account,
      live: this.live(account.handle),
      upcoming: this.store.upcoming(this.now(), { handle: account.handle, limit: 50 }),
      replays: this.store.replays({ handle: account.handle, limit: 24 }),
      clips: this.store.clips(account.handle, 24),
    };
  }

  /** Live Spaces, most listeners first. */
  private live(handle?: string): SpacePublic[] {
    const out: SpacePublic[] = [];
    for (const id of this.store.liveIds(handle)) {
      try {
        out.push(this.spaces.get(id));
      } catch {
        // ended between the query and now
      }
    }
    return out.filter((s) => s.state === 'live').sort((a, b) => b.listenerCount - a.listenerCount || (b.startedAt ?? 0) - (a.startedAt ?? 0));
  }
}
