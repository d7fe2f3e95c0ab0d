import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/app.js';
import type { PublicScheduleItem } from '../../src/shared/schedule.js';
import { makeSpeechWav, rms } from '../support/audio.js';
import { launchChromium, recordElementEnvelope } from '../support/browser.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { registerInStudio, registerOnListenerPage } from '../support/studioPage.js';

/**
 * Scheduled Spaces as people use them: the host schedules and edits in the Studio's Scheduled
 * Spaces panel (also while the Space server is down), sees the server's refusals, issues ticket
 * codes and starts the Space; listeners use the listener page's schedule section (reminder, .ics,
 * tickets) and see it switch to live by itself.
 */
requireNetns();

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const JANUS_WS_PORT = 8231;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Wall time `YYYY-MM-DDTHH:mm` of an instant in a time zone (what a datetime-local input holds). */
function wallTime(ms: number, timeZone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(ms)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** Records the page's desktop notifications (the Notification API, permission granted). */
const recordNotifications = () => {
  const w = window as unknown as { __notifications: { title: string; body?: string }[]; Notification: unknown };
  w.__notifications = [];
  w.Notification = class {
    static permission = 'granted';
    static requestPermission = async () => 'granted';
    constructor(title: string, opts?: { body?: string }) {
      w.__notifications.push({ title, body: opts?.body });
    }
  };
};

describe('scheduled Spaces in the Studio and on the listener page', () => {
  let server: RunningServer;
  let port: number;
  let dataDir: string;
  let studio: Awaited<ReturnType<typeof startTestStudio>>;
  const browsers: Browser[] = [];
  let host: Page;
  let panel: Locator;
  let listenerBrowser: Browser;
  let radioId = '';

  const item = (title: string) => panel.getByRole('list', { name: 'Your scheduled Spaces' }).getByRole('listitem').filter({ has: host.getByText(title, { exact: true }) });
  const syncState = (title: string) => item(title).getByTestId('sync-state').textContent();
  const upcoming = async (): Promise<PublicScheduleItem[]> => ((await (await fetch(`${server.url}/api/hosts/ui_host/upcoming`)).json()) as { items: PublicScheduleItem[] }).items;
  const listenerContext = async (): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await listenerBrowser.newContext({ acceptDownloads: true });
    await context.addInitScript(recordNotifications);
    return { context, page: await context.newPage() };
  };

  beforeAll(async () => {
    port = await freePort();
    dataDir = tempDir('server');
    const dir = tempDir('schedule-ui');
    const voice = makeSpeechWav(dir, 'host', 'Welcome to the show. Today we talk about radios and the people who build them.');
    server = await startTestServer({ janusWsPort: JANUS_WS_PORT, port, dataDir });
    studio = await startTestStudio(server.url);
    const hostBrowser = await launchChromium({ micWav: voice });
    listenerBrowser = await launchChromium();
    browsers.push(hostBrowser, listenerBrowser);
    host = await hostBrowser.newPage({ viewport: { width: 1300, height: 1000 } });
    await host.goto(studio.url);
    panel = host.getByRole('region', { name: 'Scheduled Spaces' });
  });
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close().catch(() => undefined)));
    await studio?.close().catch(() => undefined);
    await server?.close();
  });

  it('the host schedules a Space from the panel; an edit made while the server is down is saved locally and reaches it later', async () => {
    await registerInStudio(host, 'ui_host', 'UI Host');
    await host.getByRole('tab', { name: 'Schedule' }).click();
    const startsAt = Math.floor((Date.now() + 2 * HOUR) / 60_000) * 60_000;
    const form = panel.getByRole('form', { name: 'Schedule a Space' });
    await form.getByLabel('Title').fill('Radio hour');
    await form.getByLabel('Description').fill('Radios and the people who build them');
    await form.getByLabel('Starts').fill(wallTime(startsAt, 'Asia/Tokyo'));
    await form.getByLabel('Time zone').fill('Asia/Tokyo');
    await form.getByLabel('Minutes').fill('45');
    await form.getByLabel('Topics').fill('radio, electronics');
    await form.getByRole('button', { name: 'Schedule' }).click();

    await expect.poll(() => syncState('Radio hour'), { timeout: 15_000 }).toBe('synced');
    radioId = (await item('Radio hour').getAttribute('data-testid'))!.replace('scheduled-', '');
    expect(await item('Radio hour').textContent()).toContain('(Asia/Tokyo) · 45 min · radio, electronics');
    expect((await upcoming()).find((i) => i.id === radioId)).toMatchObject({
      title: 'Radio hour',
      description: 'Radios and the people who build them',
      startsAt,
      timeZone: 'Asia/Tokyo',
      durationMin: 45,
      topics: ['radio', 'electronics'],
    });

    // The Space server goes away.
    await server.close();
    await expect.poll(() => panel.getByTestId('schedule-sync').textContent(), { timeout: 15_000 }).toContain('Offline');

    await panel.getByRole('button', { name: 'Edit Radio hour' }).click();
    const edit = panel.getByRole('form', { name: 'Edit scheduled Space' });
    expect(await edit.getByLabel('Starts').inputValue()).toBe(wallTime(startsAt, 'Asia/Tokyo'));
    await edit.getByLabel('Title').fill('Radio hour (extended)');
    await edit.getByLabel('Minutes').fill('90');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => syncState('Radio hour (extended)')).toBe('saved locally');
    await expect.poll(() => panel.getByTestId('schedule-sync').textContent(), { timeout: 10_000 }).toContain('1 edit(s) waiting');

    // Back online (same data): the edit goes out by itself.
    server = await startTestServer({ janusWsPort: JANUS_WS_PORT, port, dataDir });
    await expect.poll(() => syncState('Radio hour (extended)'), { timeout: 45_000 }).toBe('synced');
    expect(await panel.getByTestId('schedule-sync').textContent()).toBe('Up to date');
    expect((await upcoming()).find((i) => i.id === radioId)).toMatchObject({ title: 'Radio hour (extended)', durationMin: 90, startsAt });
  });

  it("an edit the server refuses is shown with the server's reason", async () => {
    const tooLate = Date.now() + 20 * DAY;
    await panel.getByRole('button', { name: 'Edit Radio hour (extended)' }).click();
    const edit = panel.getByRole('form', { name: 'Edit scheduled Space' });
    await edit.getByLabel('Starts').fill(wallTime(tooLate, 'Asia/Tokyo'));
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => syncState('Radio hour (extended)'), { timeout: 15_000 }).toBe('rejected');
    expect(await item('Radio hour (extended)').getByTestId('sync-reason').textContent()).toBe('start time: a Space can be scheduled at most 14 days ahead');
    // The server kept its start time, and so does the Studio now.
    const onServer = (await upcoming()).find((i) => i.id === radioId)!;
    expect(onServer.startsAt).toBeLessThan(Date.now() + DAY);
    // Shown in the host's language and the Space's time zone (Intl), here en-US.
    const shown = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tokyo' }).format(onServer.startsAt);
    expect(await item('Radio hour (extended)').textContent()).toContain(`${shown} (Asia/Tokyo)`);
  });

  it('the listener page: Scheduled, a reminder the host sees, the .ics, and the switch to live when the host starts it', async () => {
    const { page: fan } = await listenerContext();
    const { page: guest } = await listenerContext();
    for (const p of [fan, guest]) await p.goto(`${server.url}/s/${radioId}`);
    await expect.poll(() => fan.locator('#state').textContent()).toBe('Scheduled');
    expect(await fan.locator('#title').textContent()).toBe('Radio hour (extended)');
    expect(await fan.locator('#scheduled-when').textContent()).toContain('Asia/Tokyo');

    // Signed out, a reminder asks to sign in; signed in, it is set and the host's Studio counts it.
    await fan.getByRole('button', { name: 'Remind me' }).click();
    await expect.poll(() => fan.locator('#schedule-message').textContent()).toBe('Sign in first (below).');
    await registerOnListenerPage(fan, 'ui_fan', 'Fan');
    await fan.getByRole('button', { name: 'Remind me' }).click();
    await expect.poll(() => fan.getByRole('button', { name: 'Reminder set ✓ (remove)' }).count()).toBe(1);
    await expect.poll(() => item('Radio hour (extended)').getByTestId('reminders').textContent(), { timeout: 25_000 }).toBe('1 reminder');

    // The calendar file.
    const [download] = await Promise.all([fan.waitForEvent('download'), fan.getByRole('link', { name: 'Add to calendar (.ics)' }).click()]);
    const ics = readFileSync((await download.path())!, 'utf8');
    expect(download.suggestedFilename()).toBe(`space-${radioId}.ics`);
    expect(ics).toContain('BEGIN:VCALENDAR');
    expect(ics).toContain('SUMMARY:Radio hour (extended)');

    // The host starts it from the panel and goes live; both pages switch without a reload.
    for (const p of [fan, guest]) await p.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await panel.getByRole('button', { name: 'Start Radio hour (extended)' }).click();
    await expect.poll(() => fan.locator('#schedule-message').textContent(), { timeout: 10_000 }).toBe('“Radio hour (extended)” has started.');
    expect(await fan.evaluate(() => (window as unknown as { __notifications: unknown[] }).__notifications)).toEqual([
      { title: 'A Space you wanted is live', body: 'Radio hour (extended)' },
    ]);
    expect(await fan.locator('#live-now').textContent()).toBe('Starting now: the host is about to go live.');
    await host.getByRole('button', { name: 'Go live' }).click();
    for (const p of [fan, guest]) {
      await expect.poll(() => p.locator('#state').textContent(), { timeout: 15_000 }).toBe('Live');
      expect(await p.locator('#live-now').textContent()).toBe('Live now: press Listen.');
      expect(await p.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    }
    // Only the reminder holder was notified.
    expect(await guest.evaluate(() => (window as unknown as { __notifications: unknown[] }).__notifications)).toEqual([]);
    expect(await guest.locator('#schedule-message').count()).toBe(0);

    await fan.getByRole('button', { name: 'Listen' }).click();
    await expect.poll(async () => rms(await recordElementEnvelope(fan, '#audio', 1500)), { timeout: 20_000, interval: 500 }).toBeGreaterThan(0.005);
    await host.getByRole('button', { name: 'End', exact: true }).click();
    await expect.poll(() => fan.locator('#state').textContent(), { timeout: 10_000 }).toBe('Ended');
    expect(await fan.locator('#live-now').count()).toBe(0);
  });

  it('a ticketed Space: the page asks for a ticket, refuses a wrong code, admits a complimentary one, and shows sold out', async () => {
    const form = panel.getByRole('form', { name: 'Schedule a Space' });
    await form.getByLabel('Title').fill('Paid show');
    await form.getByLabel('Starts').fill(wallTime(Date.now() + 3 * HOUR, 'Europe/Berlin'));
    await form.getByLabel('Time zone').fill('Europe/Berlin');
    await form.getByRole('checkbox', { name: 'Ticketed' }).check();
    await form.getByLabel('Price').fill('5');
    await form.getByLabel('Tickets').fill('1');
    await form.getByRole('button', { name: 'Schedule' }).click();
    await expect.poll(() => syncState('Paid show'), { timeout: 15_000 }).toBe('synced');
    const paidId = (await item('Paid show').getAttribute('data-testid'))!.replace('scheduled-', '');
    expect(await item('Paid show').getByTestId('tickets').textContent()).toBe('0/1 tickets');
    await panel.getByRole('button', { name: 'Issue a complimentary ticket code for Paid show' }).click();
    await panel.getByRole('button', { name: 'Issue a complimentary ticket code for Paid show' }).click();
    const codeList = panel.getByRole('list', { name: 'Ticket codes for Paid show' }).getByRole('listitem');
    await expect.poll(() => codeList.count()).toBe(2);
    const [code, secondCode] = await codeList.allTextContents();
    expect(code).toMatch(/^COMP-[0-9A-F]{12}$/);

    const { page: buyer } = await listenerContext();
    await buyer.goto(`${server.url}/s/${paidId}`);
    await expect.poll(() => buyer.locator('#tickets').textContent()).toBe('Ticketed (5.00): 1 of 1 tickets left.');
    await registerOnListenerPage(buyer, 'ui_buyer', 'Buyer');
    const ticketForm = buyer.getByRole('form', { name: 'Ticket' });
    await ticketForm.getByLabel('Ticket code').fill('COMP-000000000000');
    await ticketForm.getByRole('button', { name: 'Get ticket' }).click();
    await expect.poll(() => buyer.locator('#schedule-message').textContent()).toBe('this ticket code is not valid');
    await ticketForm.getByLabel('Ticket code').fill(code!);
    await ticketForm.getByRole('button', { name: 'Get ticket' }).click();
    await expect.poll(() => buyer.locator('#schedule-message').textContent()).toBe('Ticket ready: press Listen.');
    expect(await buyer.locator('#tickets').textContent()).toBe('Sold out: all tickets are taken. You have a ticket.');
    await expect.poll(() => item('Paid show').getByTestId('tickets').textContent(), { timeout: 25_000 }).toBe('1/1 tickets');

    // Capacity reached: a latecomer sees sold out (and a second code is refused as such).
    const { page: late } = await listenerContext();
    await late.goto(`${server.url}/s/${paidId}`);
    await expect.poll(() => late.locator('#tickets').textContent()).toBe('Sold out: all tickets are taken.');
    expect(await late.getByLabel('Ticket code').count()).toBe(0);
    expect(secondCode).toMatch(/^COMP-/);

    // The host goes live; the ticket holder listens, the latecomer is refused with the reason.
    await panel.getByRole('button', { name: 'Start Paid show' }).click();
    await host.getByRole('button', { name: 'Go live' }).click();
    await expect.poll(() => buyer.locator('#state').textContent(), { timeout: 15_000 }).toBe('Live');
    await buyer.getByRole('button', { name: 'Listen' }).click();
    await expect.poll(async () => rms(await recordElementEnvelope(buyer, '#audio', 1500)), { timeout: 20_000, interval: 500 }).toBeGreaterThan(0.005);
    expect(await buyer.locator('#notice').textContent()).toBe('');
    await registerOnListenerPage(late, 'ui_late', 'Late');
    await late.getByRole('button', { name: 'Listen' }).click();
    await expect.poll(() => late.locator('#notice').textContent()).toBe('this Space is ticketed: show a ticket to join');
    await host.getByRole('button', { name: 'End', exact: true }).click();
  });
});
