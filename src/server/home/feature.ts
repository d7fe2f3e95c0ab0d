import type Database from 'better-sqlite3';
import type { AccountService } from '../accounts/service.js';
import type { ServerConfig } from '../config.js';
import type { SpaceService } from '../spaces/service.js';
import { homeRoutes, pageHead } from './handlers.js';
import { HomeService } from './service.js';
import type { ShellPage } from './shell.js';
import { HomeStore } from './store.js';

/** Builds the home pages feature (composed in app.ts). */
export function homeFeature(db: Database.Database, spaces: SpaceService, accounts: AccountService, shell: ShellPage, config: ServerConfig, publicUrl: () => string) {
  const store = new HomeStore(db);
  const home = new HomeService(store, spaces, accounts);
  const onSpaceChange = (fn: () => void): void => {
    spaces.events.on('live', fn);
    spaces.events.on('ending', fn);
  };
  const deps = { home, store, spaces, shell, publicUrl, embedAncestors: config.embedAncestors, onSpaceChange };
  return { routes: homeRoutes(deps), pageHead: pageHead(deps) };
}
