import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { ServerConfig } from '../config.js';
import { SpaceStore } from '../spaces/store.js';
import { ShellPage } from '../home/shell.js';
import { reachHandlers, reachRoutes } from './handlers.js';
import { MailSender } from './mail.js';
import { PushSender, loadVapidKeys } from './push.js';
import { DEFAULT_QUEUE } from './queue.js';
import { ReachService } from './service.js';
import { ReachStore } from './store.js';

/** Builds the reminders feature from the server's configuration (composed in app.ts). */
export function reachFeature(db: Database.Database, config: ServerConfig, listenerDist: string, publicUrl: () => string) {
  const keys = loadVapidKeys(join(config.dataDir, 'vapid.json'));
  const push = new PushSender(keys, config.vapidSubject, config.pushCaFile ? readFileSync(config.pushCaFile, 'utf8') : undefined);
  const mail = config.smtpUrl ? new MailSender(config.smtpUrl, config.mailFrom) : null;
  const service = new ReachService(new ReachStore(db), new SpaceStore(db), push, mail, {
    leadMs: config.reminderLeadMin * 60_000,
    publicUrl,
    queue: { ...DEFAULT_QUEUE, backoffMs: config.outboxBackoffMs },
  });
  const shell = new ShellPage(listenerDist);
  return { service, shell, handlers: reachHandlers(service, keys.publicKey), routes: reachRoutes(service, db, shell, publicUrl) };
}
