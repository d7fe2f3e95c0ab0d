import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ical from 'node-ical';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountService } from '../accounts/service.js';
import { openServerDb } from '../database.js';
import { SpaceStore } from '../spaces/store.js';
import { PushPayload } from '../../shared/reach.js';
import { startPushEndpoint } from '../../../test/support/pushEndpoint.js';
import { mailText, startSmtpSink } from '../../../test/support/smtpSink.js';
import { spacesCalendar } from './calendar.js';
import { MailSender } from './mail.js';
import { PushSender, loadVapidKeys, topicOf } from './push.js';
import { DEFAULT_QUEUE } from './queue.js';
import { ReachService } from './service.js';
import { ReachStore } from './store.js';

/**
 * Reminders through real parts: web-push to a push endpoint run here (VAPID checked, payload
 * decrypted with the subscriber's key), nodemailer to an SMTP server run here, the queue in SQLite,
 * and a "restart" (a second service on the same database file) between queuing and sending.
 */
const PASSWORD = 'correct horse battery';

describe('reminders: push, mail, the queue', { timeout: 30_000 }, () => {
  let dir: string;
  let push: Awaited<ReturnType<typeof startPushEndpoint>>;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  const open: ReachService[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spaces-reach-'));
    push = await startPushEndpoint();
    smtp = await startSmtpSink();
  });
  afterAll(async () => {
    for (const s of open) await s.stop();
    await push.close();
    await smtp.close();
  });

  /** The server's parts as app.ts composes them, on `file`. */
  function server(file: string, leadMin = 10) {
    const db = openServerDb(join(dir, file));
    const keys = loadVapidKeys(join(dir, `${file}.vapid.json`));
    const svc = new ReachService(new ReachStore(db), new SpaceStore(db), new PushSender(keys, 'mailto:ops@example.org', readFileSync(push.caFile, 'utf8')), new MailSender(smtp.url, 'Spaces <no-reply@example.org>'), {
      leadMs: leadMin * 60_000,
      publicUrl: () => 'https://spaces.example',
      queue: { ...DEFAULT_QUEUE, backoffMs: 300, pollMs: 100 },
    });
    open.push(svc);
    return { db, keys, svc, accounts: new AccountService(db, { kind: 'open' }), spaces: new SpaceStore(db), store: new ReachStore(db) };
  }

  it('a reminded Space going live: a real Web Push request, decrypted by the subscriber, names the Space; 410 drops the subscription', async () => {
    const s = server('push.db');
    const host = await s.accounts.register('host_a', 'Ada Host', PASSWORD);
    const fan = await s.accounts.register('fan_a', 'Fan', PASSWORD);
    const follower = await s.accounts.register('follower_a', 'Follower', PASSWORD);
    const quiet = await s.accounts.register('quiet_a', 'Quiet', PASSWORD);
    s.spaces.insert({ id: 'pushspace1', title: 'Night radio', hostName: 'Ada Host', hostAccountId: host.account.id, hostHandle: 'host_a', now: Date.now() });
    s.db.prepare(`INSERT INTO reminders (space_id, account_id, created_at) VALUES (?, ?, ?)`).run('pushspace1', fan.account.id, Date.now());
    s.accounts.follow(follower.account.id, 'host_a');
    s.accounts.follow(quiet.account.id, 'host_a');
    s.accounts.follow(fan.account.id, 'host_a'); // reminded and following: one message
    const fanSub = push.subscribe();
    const followerSub = push.subscribe();
    const quietSub = push.subscribe();
    s.svc.subscribe(fan.account.id, fanSub);
    s.svc.subscribe(follower.account.id, followerSub);
    s.svc.subscribe(quiet.account.id, quietSub);
    s.svc.setLiveAlerts(quiet.account.id, false);
    push.setStatus(followerSub.id, 410); // this browser unsubscribed at its push service
    s.svc.start();

    s.spaces.setState('pushspace1', 'live', Date.now());
    s.svc.spaceLive('pushspace1');
    await expect.poll(() => push.received.length, { timeout: 5000 }).toBe(1);
    await expect.poll(() => s.store.pushTargets(follower.account.id).length, { timeout: 5000 }).toBe(0);

    const got = push.received[0]!;
    expect(got.subscription).toBe(fanSub.id);
    const payload = PushPayload.parse(JSON.parse(got.payload));
    expect(payload).toMatchObject({ kind: 'live', spaceId: 'pushspace1', url: 'https://spaces.example/s/pushspace1' });
    expect(payload.title).toContain('Night radio');
    expect(got.vapid.sub).toBe('mailto:ops@example.org');
    expect(got.vapid.aud).toBe(new URL(fanSub.endpoint).origin);
    expect(got.vapid.publicKey).toBe(s.keys.publicKey);
    expect(got.headers.topic).toBe(topicOf(s.store.rows().find((r) => r.target === fanSub.endpoint)!.dedupe_key));
    expect(Number(got.headers.ttl)).toBeGreaterThan(0);
    expect(push.errors).toEqual([]);
    const rows = s.store.rows();
    expect(rows.find((r) => r.target === followerSub.endpoint)).toMatchObject({ state: 'dropped' });
    expect(rows.find((r) => r.target === quietSub.endpoint)).toBeUndefined(); // alerts off: nothing queued
    // The same event again (as after a restart: the Space is found live) queues nothing new.
    s.svc.spaceLive('pushspace1');
    expect(s.store.rows()).toHaveLength(rows.length);
    expect(s.svc.prefs(follower.account.id).pushDevices).toBe(0);
  });

  it('email: verification link first; the reminder carries the Space link, a one-click unsubscribe (header too); unsubscribing stops the next one', async () => {
    const s = server('mail.db', 1);
    const host = await s.accounts.register('host_m', 'Mia Host', PASSWORD);
    const fan = await s.accounts.register('fan_m', 'Fan', PASSWORD);
    s.svc.start();
    expect(s.svc.setEmail(fan.account.id, 'fan@example.org').email).toEqual({ address: 'fan@example.org', verified: false, unsubscribed: false });
    await expect.poll(() => smtp.mails.filter((m) => m.to.includes('fan@example.org')).length, { timeout: 5000 }).toBe(1);
    const verify = mailText(smtp.mails.at(-1)!.raw);
    const token = /\/reach\/verify\/([A-Za-z0-9_-]{32})/.exec(verify)?.[1];
    expect(token).toBeTruthy();
    expect(s.svc.verifyEmail(token!)).toBe(true);

    s.spaces.insert({ id: 'mailspace1', title: 'Morning show', hostName: 'Mia Host', hostAccountId: host.account.id, hostHandle: 'host_m', now: Date.now() });
    s.db.prepare(`INSERT INTO schedules (space_id, host_account_id, fields, clocks, starts_at, status, version) VALUES (?, ?, ?, '{}', ?, 'scheduled', 1)`)
      .run('mailspace1', host.account.id, JSON.stringify({ title: 'Morning show', timeZone: 'Europe/Rome' }), Date.now() + 30_000);
    s.db.prepare(`INSERT INTO reminders (space_id, account_id, created_at) VALUES (?, ?, ?)`).run('mailspace1', fan.account.id, Date.now());
    s.svc.tick();
    await expect.poll(() => smtp.mails.length, { timeout: 5000 }).toBe(2);
    const raw = smtp.mails[1]!.raw;
    const text = mailText(raw);
    expect(text).toContain('Morning show');
    expect(text).toContain('https://spaces.example/s/mailspace1');
    const unsub = /https:\/\/spaces\.example\/reach\/unsubscribe\/([A-Za-z0-9_-]{32})/.exec(text);
    expect(unsub).toBeTruthy();
    const headers = raw.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
    expect(headers).toMatch(/List-Unsubscribe: <https:\/\/spaces\.example\/reach\/unsubscribe\/[A-Za-z0-9_-]{32}>/);
    expect(headers).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');

    expect(s.svc.unsubscribeEmail(unsub![1]!)).toBe(true);
    s.spaces.setState('mailspace1', 'live', Date.now());
    s.svc.spaceLive('mailspace1');
    await new Promise((r) => setTimeout(r, 800));
    expect(smtp.mails).toHaveLength(2);
  });

  it('a restart between queuing and sending loses nothing and sends nothing twice (with retries and backoff)', async () => {
    const first = server('restart.db', 1);
    const host = await first.accounts.register('host_r', 'Rae Host', PASSWORD);
    const fan = await first.accounts.register('fan_r', 'Fan', PASSWORD);
    first.store.setEmail(fan.account.id, 'restart@example.org');
    first.store.verifyEmail(first.store.prefs(fan.account.id).verify_token!);
    first.spaces.insert({ id: 'restart001', title: 'Restart show', hostName: 'Rae Host', hostAccountId: host.account.id, hostHandle: 'host_r', now: Date.now() });
    first.db.prepare(`INSERT INTO schedules (space_id, host_account_id, fields, clocks, starts_at, status, version) VALUES (?, ?, ?, '{}', ?, 'scheduled', 1)`)
      .run('restart001', host.account.id, JSON.stringify({ title: 'Restart show', timeZone: 'UTC' }), Date.now() + 30_000);
    first.db.prepare(`INSERT INTO reminders (space_id, account_id, created_at) VALUES (?, ?, ?)`).run('restart001', fan.account.id, Date.now());
    const before = smtp.mails.length;
    smtp.failNext(2); // the relay is busy: two 451s
    const attemptsBefore = smtp.attempts();
    first.svc.start();
    await expect.poll(() => smtp.attempts() - attemptsBefore, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    // The server stops while the reminder waits for its retry.
    await first.svc.stop();
    expect(first.store.rows().filter((r) => r.target === 'restart@example.org')).toMatchObject([{ state: 'pending' }]);
    first.db.close();

    const second = server('restart.db', 1);
    second.svc.start(); // its tick sees the same Space and the same moment: nothing new is queued
    await expect.poll(() => smtp.mails.length - before, { timeout: 10_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(smtp.mails.length - before).toBe(1);
    const row = second.store.rows().find((r) => r.target === 'restart@example.org')!;
    expect(row.state).toBe('sent');
    expect(row.attempts).toBe(3);
    expect(smtp.attempts() - attemptsBefore).toBe(3);
  });

  it('bad input changes nothing; address changes are rate-limited; at most 20 browsers per account', async () => {
    const s = server('limits.db');
    const a = await s.accounts.register('limit_a', 'Limits', PASSWORD);
    const sub = push.subscribe();
    expect(() => s.svc.subscribe(a.account.id, { ...sub, endpoint: 'http://10.0.0.1/push' })).toThrow(expect.objectContaining({ code: 'bad_message' }));
    expect(s.svc.prefs(a.account.id).pushDevices).toBe(0);
    for (let i = 0; i < 22; i++) s.svc.subscribe(a.account.id, { ...sub, endpoint: `${sub.endpoint}-${i}` });
    expect(s.store.pushTargets(a.account.id).map((t) => t.endpoint).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `${sub.endpoint}-${i + 2}`).sort());
    for (let i = 0; i < 5; i++) s.svc.setEmail(a.account.id, `limit${i}@example.org`);
    expect(() => s.svc.setEmail(a.account.id, 'limit9@example.org')).toThrow(expect.objectContaining({ code: 'rate_limited' }));
    expect(s.svc.prefs(a.account.id).email?.address).toBe('limit4@example.org');
  });

  it('the calendar parses with a real iCalendar parser and a moved Space moves (same UID, higher SEQUENCE)', () => {
    const base = { id: 'calspace01', title: 'Moved, show; yes', description: 'About things', durationMin: 45, timeZone: 'Europe/Rome', hostHandle: 'host_c', status: 'scheduled' as const };
    const start = Date.UTC(2026, 11, 24, 18, 0);
    const one = ical.sync.parseICS(spacesCalendar([{ ...base, startsAt: start, sequence: 3 }], { name: 'Spaces by @host_c', publicUrl: 'https://spaces.example' }));
    const two = ical.sync.parseICS(spacesCalendar([{ ...base, startsAt: start + 3600_000, sequence: 4 }], { name: 'Spaces by @host_c', publicUrl: 'https://spaces.example' }));
    const e1 = Object.values(one).find((c) => c?.type === 'VEVENT') as ical.VEvent;
    const e2 = Object.values(two).find((c) => c?.type === 'VEVENT') as ical.VEvent;
    expect(e1.uid).toBe('calspace01@spaces');
    expect(e1.summary).toBe('Moved, show; yes');
    expect(e1.start.getTime()).toBe(start);
    expect(e2.uid).toBe(e1.uid);
    expect(e2.start.getTime()).toBe(start + 3600_000);
    expect(Number(e2.sequence)).toBeGreaterThan(Number(e1.sequence));
    const url = e1.url as unknown as string | { val: string };
    expect(typeof url === 'string' ? url : url.val).toContain('https://spaces.example/s/calspace01');
  });
});
