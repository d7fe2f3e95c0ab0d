import WebSocket from 'ws';
import { AppError } from '../../shared/errors.js';
import type { LocalScheduleItem, SyncStatus } from '../../shared/schedule.js';
import type { RequestParams, RequestResult, RequestType } from '../../shared/signaling.js';
import { SignalingClient } from '../../shared/signalingClient.js';
import type { OutboxEntry, ScheduleStore } from './scheduleStore.js';

/** Where to sync: the server the Studio uses and the session token it signed in with there. */
export type SyncTarget = () => { serverUrl: string; token: string | undefined };

export type Send = <T extends RequestType>(type: T, params: RequestParams<T>) => Promise<RequestResult<T>>;

export interface SyncOptions {
  /** Periodic pull of remote changes while idle. */
  pullEveryMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  requestTimeoutMs?: number;
  /** How long one sync waits for the connection before calling itself offline. */
  connectTimeoutMs?: number;
  /** Tests: wrap every request (e.g. to lose replies and force redelivery). */
  intercept?: (send: Send) => Send;
}

/** Refusals that are about the request itself: retrying cannot help, so the edit is shown as rejected. */
const PERMANENT = new Set(['bad_message', 'forbidden', 'invalid_state', 'not_found', 'conflict', 'unknown_type', 'too_large', 'stage_full']);

const wsUrlOf = (serverUrl: string): string => {
  const u = new URL(serverUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = '/ws';
  u.search = '';
  return u.toString();
};

/**
 * Sends the outbox to the Space server and pulls remote changes, on its own WebSocket signed in
 * with the Studio's session token. Entries leave the outbox only when the server answered, so a
 * crash or a lost connection just means sending again; the server deduplicates by key.
 * Failures back off (doubling, capped); any local edit or reconnect tries at once.
 */
export class ScheduleSync {
  private client?: SignalingClient;
  private clientUrl = '';
  private signedInWith: string | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private timer?: NodeJS.Timeout;
  private backoff: number;
  private stopped = false;
  private status: SyncStatus = { state: 'offline', pending: 0, error: null, lastSyncAt: null };
  private readonly send: Send;

  constructor(
    private readonly store: ScheduleStore,
    private readonly target: SyncTarget,
    private readonly onItem: (item: LocalScheduleItem | { removed: string }) => void,
    private readonly onStatus: (s: SyncStatus) => void,
    private readonly options: SyncOptions = {},
  ) {
    this.backoff = options.minBackoffMs ?? 500;
    const raw: Send = (type, params) => {
      if (!this.client) return Promise.reject(new AppError('not_connected', 'not connected'));
      return this.client.request(type, params);
    };
    this.send = options.intercept ? options.intercept(raw) : raw;
    this.status.pending = store.pendingCount();
  }

  getStatus(): SyncStatus {
    return { ...this.status, pending: this.store.pendingCount() };
  }

  /** Sync as soon as possible (after an edit, a sign-in, a button press). */
  kick(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Runs one sync now and resolves with the status after it. */
  async syncNow(): Promise<SyncStatus> {
    this.kick();
    while (this.running) await this.running;
    return this.getStatus();
  }

  /** The signed-in client for direct requests (e.g. start), after the outbox is flushed. */
  async request<T extends RequestType>(type: T, params: RequestParams<T>): Promise<RequestResult<T>> {
    await this.syncNow();
    if (!this.client || this.client.state !== 'connected' || !this.signedInWith) {
      throw new AppError('not_connected', this.status.error ?? 'not connected to the Space server');
    }
    return this.client.request(type, params);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.client?.close();
    this.client = undefined;
  }

  private async run(): Promise<void> {
    try {
      const ready = await this.ensureSignedIn();
      if (!ready) {
        if (!this.timer) this.retryLater();
        return;
      }
      this.setStatus({ state: 'syncing', error: null, errorCode: null });
      await this.drain();
      await this.pull();
      this.backoff = this.options.minBackoffMs ?? 500;
      this.setStatus({ state: 'idle', error: null, errorCode: null, lastSyncAt: Date.now() });
      this.schedule(this.options.pullEveryMs ?? 15_000);
    } catch (err) {
      const e = AppError.from(err);
      if (e.code === 'unauthenticated') this.signedInWith = null;
      this.setStatus({ state: this.client?.state === 'connected' ? 'idle' : 'offline', error: e.message, errorCode: e.code });
      this.retryLater();
    }
  }

  private retryLater(): void {
    this.schedule(this.backoff);
    this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs ?? 30_000);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), ms);
    this.timer.unref?.();
  }

  private async ensureSignedIn(): Promise<boolean> {
    const { serverUrl, token } = this.target();
    if (!token) {
      this.setStatus({ state: 'offline', error: 'sign in to a Space server to sync scheduled Spaces', errorCode: 'unauthenticated' });
      this.schedule(2000); // only a local look-up: notice a sign-in soon
      return false;
    }
    if (!this.client || this.clientUrl !== serverUrl) {
      this.client?.close();
      this.signedInWith = null;
      this.clientUrl = serverUrl;
      const client = new SignalingClient(wsUrlOf(serverUrl), (u) => new WebSocket(u, { handshakeTimeout: 5000 }), this.options.requestTimeoutMs ?? 10_000);
      this.client = client;
      client.onState((state) => {
        if (this.client !== client) return;
        if (state !== 'connected') this.signedInWith = null;
        else this.kick(); // back online: send what waited
      });
    }
    if (this.client.state !== 'connected') {
      try {
        // The client also retries by itself; a retry racing this attempt can leave its promise
        // unsettled, so wait a bounded time and look at the state.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.client.connect(),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('connect timeout')), this.options.connectTimeoutMs ?? 3000))),
        ]).finally(() => clearTimeout(timer));
      } catch {
        if ((this.client.state as string) === 'connected') return this.ensureSignedIn();
        this.setStatus({ state: 'offline', error: this.client.lastError ?? `cannot reach ${serverUrl}`, errorCode: 'not_connected' });
        return false;
      }
    }
    if (this.signedInWith !== token) {
      await this.client.request('auth.resume', { token });
      this.signedInWith = token;
    }
    return true;
  }

  private async drain(): Promise<void> {
    for (let entry = this.store.peek(); entry; entry = this.store.peek()) {
      this.setStatus({});
      this.store.inFlight = entry.seq;
      try {
        const reply = await this.sendEntry(entry);
        const item = this.store.acknowledge(entry, reply.item, reply.rejected);
        this.onItem(item ?? { removed: entry.spaceId });
      } catch (err) {
        const e = AppError.from(err);
        if (!PERMANENT.has(e.code)) throw e;
        const item = this.store.refuse(entry, e.message);
        if (item) this.onItem(item);
      } finally {
        this.store.inFlight = null;
      }
    }
  }

  private sendEntry(e: OutboxEntry) {
    const p = e.payload as { fields: RequestParams<'schedule.create'>['fields']; hlc: string; changes: RequestParams<'schedule.update'>['changes'] };
    switch (e.op) {
      case 'create':
        return this.send('schedule.create', { key: e.key, spaceId: e.spaceId, fields: p.fields, hlc: p.hlc });
      case 'update':
        return this.send('schedule.update', { key: e.key, spaceId: e.spaceId, changes: p.changes });
      case 'cancel':
        return this.send('schedule.cancel', { key: e.key, spaceId: e.spaceId, hlc: p.hlc });
    }
  }

  private async pull(): Promise<void> {
    const url = this.clientUrl;
    for (;;) {
      const page = await this.send('schedule.pull', { since: this.store.cursor(url), limit: 500 });
      for (const remote of page.items) {
        const item = this.store.merge(remote);
        this.onItem(item ?? { removed: remote.id });
      }
      this.store.setCursor(url, page.cursor);
      if (!page.more) return;
    }
  }

  private setStatus(patch: Partial<SyncStatus>): void {
    this.status = { ...this.status, ...patch, pending: this.store.pendingCount() };
    this.onStatus(this.status);
  }
}
