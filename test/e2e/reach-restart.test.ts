import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/apiClient.js';
import { startServerProcess } from '../support/serverProcess.js';
import { mailText, startSmtpSink } from '../support/smtpSink.js';
import { requireNetns, tempDir } from '../support/stack.js';

/**
 * A reminder survives the Space server dying between scheduling and sending: the server runs as
 * its own process (as in production), the mail relay is down when the reminder is due, the server
 * is SIGKILLed while the message waits for its retry, the relay comes back, the server restarts on
 * the same data, and the reminder arrives exactly once (and not again after another restart).
 */
requireNetns();

const PORT = 18271;
const PASSWORD = 'correct horse battery';
const hlc = () => `${String(Date.now()).padStart(15, '0')}.000000.test`;

describe('reminders across a server crash', () => {
  const dataDir = tempDir('reach-restart');
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    env = { JANUS_WS_PORT: '8273', SPACES_SMTP_URL: smtp.url, SPACES_REMINDER_LEAD_MIN: '1', SPACES_OUTBOX_BACKOFF_MS: '1500' };
    server = await startServerProcess({ port: PORT, dataDir, env });
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
  });

  it('relay down when due, server SIGKILLed while the reminder waits, restarted: one mail, not zero, not two', async () => {
    const host = await apiClient(server.url);
    await host.request('auth.register', { handle: 'crash_host', displayName: 'Crash Host', password: PASSWORD });
    const fan = await apiClient(server.url);
    await fan.request('auth.register', { handle: 'crash_fan', displayName: 'Crash Fan', password: PASSWORD });
    await fan.request('reach.setEmail', { email: 'crash-fan@example.org' });
    await expect.poll(() => smtp.mails.length, { timeout: 10_000 }).toBe(1);
    const verify = /http:\/\/[^\s"]+\/reach\/verify\/[A-Za-z0-9_-]{32}/.exec(mailText(smtp.mails[0]!.raw))![0];
    expect((await fetch(verify)).status).toBe(200);

    // The relay goes down; a Space starting in 40 s (inside the 1 min lead: its reminder is due now).
    smtp.failNext(1_000_000);
    const attempts = smtp.attempts();
    await host.request('schedule.create', {
      key: `crash-key-${Date.now()}`,
      spaceId: 'crashspace',
      hlc: hlc(),
      fields: { title: 'Crash-proof show', description: '', startsAt: Date.now() + 40_000, timeZone: 'UTC', durationMin: 30, cohosts: [], speakers: [], topics: [], ticketing: null, soundboardSetId: null, notes: '' },
    });
    await fan.request('reminder.set', { spaceId: 'crashspace' });
    await expect.poll(() => smtp.attempts() - attempts, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    host.close();
    fan.close();

    // The server dies while the reminder waits for its retry; the relay recovers meanwhile.
    server.child.kill('SIGKILL');
    await new Promise<void>((r) => (server.child.exitCode !== null || server.child.signalCode !== null ? r() : server.child.once('exit', () => r())));
    smtp.failNext(0);
    server = await startServerProcess({ port: PORT, dataDir, env });
    await expect.poll(() => smtp.mails.length, { timeout: 20_000 }).toBe(2);
    const reminder = mailText(smtp.mails[1]!.raw);
    expect(reminder).toContain('Crash-proof show');
    expect(reminder).toContain(`${server.url}/s/crashspace`);
    // Another restart after it went: nothing is sent again (the rescan sees the same keys).
    await server.stop();
    server = await startServerProcess({ port: PORT, dataDir, env });
    await new Promise((r) => setTimeout(r, 7000));
    expect(smtp.mails.filter((m) => mailText(m.raw).includes('Crash-proof show'))).toHaveLength(1);
  });
});
