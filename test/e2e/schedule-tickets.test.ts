import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/app.js';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import type { ServerEvent } from '../../src/shared/signaling.js';
import { AppError } from '../../src/shared/errors.js';
import { apiClient } from '../support/apiClient.js';
import { requireNetns, startTestServer } from '../support/stack.js';

/** Tickets, reminders, the public upcoming page and the .ics, through the real server. */
requireNetns();

const HOUR = 3600_000;
const PASSWORD = 'correct horse battery';
const hlc = () => `${String(Date.now()).padStart(15, '0')}.000000.test`;
const fields = (title: string, extra: object = {}) => ({
  title,
  description: 'A show about things',
  startsAt: Date.now() + 2 * HOUR,
  timeZone: 'Europe/Berlin',
  durationMin: 45,
  cohosts: [],
  speakers: ['guest_spk'],
  topics: ['radio'],
  ticketing: null,
  soundboardSetId: null,
  notes: 'secret plan',
  ...extra,
});

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
    return { code: 'ok', message: '' };
  } catch (err) {
    const e = AppError.from(err);
    return { code: e.code, message: e.message };
  }
}

describe('tickets and reminders', () => {
  let server: RunningServer;
  const c = {} as Record<'host' | 'fan' | 'other' | 'late' | 'anon' | 'spk', SignalingClient>;
  let keyN = 0;
  const key = () => `test-key-${++keyN}-${Date.now()}`;

  beforeAll(async () => {
    server = await startTestServer({ janusWsPort: 8211 });
    for (const name of ['host', 'fan', 'other', 'late', 'anon', 'spk'] as const) {
      c[name] = await apiClient(server.url);
      if (name === 'anon') continue;
      await c[name].request('auth.register', { handle: name === 'spk' ? 'guest_spk' : `t_${name}`, displayName: name, password: PASSWORD });
    }
  });
  afterAll(async () => {
    for (const client of Object.values(c)) client.close();
    await server?.close();
  });

  it('joining a ticketed Space: no ticket, forged, wrong Space, another account, over capacity are refused with clear messages', async () => {
    await c.host.request('schedule.create', { key: key(), spaceId: 'tickets001', hlc: hlc(), fields: fields('Paid show', { ticketing: { priceCents: 1500, count: 2 } }) });
    await c.host.request('schedule.create', { key: key(), spaceId: 'tickets002', hlc: hlc(), fields: fields('Other paid show', { ticketing: { priceCents: 500, count: 5 } }) });
    const codes = (await c.host.request('ticket.codes', { spaceId: 'tickets001', kind: 'door', count: 3 })).codes;
    const [otherCode] = (await c.host.request('ticket.codes', { spaceId: 'tickets002', kind: 'complimentary', count: 1 })).codes;
    expect(await refusal(c.fan.request('ticket.codes', { spaceId: 'tickets001', kind: 'complimentary', count: 1 }))).toMatchObject({ code: 'forbidden' });

    // No ticket.
    expect(await refusal(c.fan.request('space.join', { spaceId: 'tickets001' }))).toEqual({ code: 'forbidden', message: 'this Space is ticketed: show a ticket to join' });
    expect(await refusal(c.anon.request('space.join', { spaceId: 'tickets001', displayName: 'Guest' }))).toMatchObject({ code: 'unauthenticated' });

    // A code of another Space buys nothing here; a made-up code neither.
    expect(await refusal(c.fan.request('ticket.claim', { spaceId: 'tickets001', code: otherCode! }))).toEqual({ code: 'forbidden', message: 'this ticket code is for another Space' });
    expect(await refusal(c.fan.request('ticket.claim', { spaceId: 'tickets001', code: 'DOOR-123456' }))).toEqual({ code: 'forbidden', message: 'this ticket code is not valid' });

    const ticket = (await c.fan.request('ticket.claim', { spaceId: 'tickets001', code: codes[0]! })).ticket;
    const otherSpaceTicket = (await c.other.request('ticket.claim', { spaceId: 'tickets002', code: otherCode! })).ticket;

    // Forged: a changed payload, or a made-up signature.
    const [v, payload, mac] = ticket.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), a: 'someoneelse' })).toString('base64url');
    const forged = `${v}.${forgedPayload}.${mac}`;
    expect(await refusal(c.other.request('ticket.present', { spaceId: 'tickets001', ticket: forged }))).toEqual({
      code: 'forbidden',
      message: 'this ticket is not valid: it was not issued by this server',
    });
    expect(await refusal(c.other.request('ticket.present', { spaceId: 'tickets001', ticket: `${v}.${payload}.${'A'.repeat(43)}` }))).toMatchObject({ code: 'forbidden' });
    // A genuine ticket for another Space.
    expect(await refusal(c.other.request('ticket.present', { spaceId: 'tickets001', ticket: otherSpaceTicket }))).toEqual({ code: 'forbidden', message: 'this ticket is for another Space' });
    // Someone else's genuine ticket.
    expect(await refusal(c.other.request('ticket.present', { spaceId: 'tickets001', ticket }))).toEqual({ code: 'forbidden', message: 'this ticket was issued to another account' });
    expect(await refusal(c.other.request('space.join', { spaceId: 'tickets001' }))).toMatchObject({ code: 'forbidden' });

    // The holder gets in; the host and invited speakers need no ticket.
    await c.fan.request('ticket.present', { spaceId: 'tickets001', ticket });
    expect((await c.fan.request('space.join', { spaceId: 'tickets001' })).self.role).toBe('listener');
    expect((await c.host.request('space.join', { spaceId: 'tickets001' })).self.role).toBe('host');
    expect(await refusal(c.spk.request('space.join', { spaceId: 'tickets001' }))).toMatchObject({ code: 'ok' });

    // Capacity 2: the second ticket goes, then it is sold out, and the public view says so.
    await c.other.request('ticket.claim', { spaceId: 'tickets001', code: codes[1]! });
    expect(await refusal(c.late.request('ticket.claim', { spaceId: 'tickets001', code: codes[2]! }))).toEqual({ code: 'invalid_state', message: 'sold out: all 2 tickets are taken' });
    expect((await c.late.request('schedule.get', { spaceId: 'tickets001' })).item.ticketing).toEqual({ priceCents: 1500, count: 2, left: 0, soldOut: true });
    const page = await (await fetch(`${server.url}/u/t_host`)).text();
    expect(page).toContain('Paid show');
    expect(page).toContain('sold out');
  });

  it('reminders: count visible to the host, holders watching hear the start, .ics for any scheduled Space', async () => {
    await c.host.request('schedule.create', { key: key(), spaceId: 'remind0001', hlc: hlc(), fields: fields('Morning, show; with, commas') });
    expect(await refusal(c.anon.request('reminder.set', { spaceId: 'remind0001' }))).toMatchObject({ code: 'unauthenticated' });
    await c.fan.request('reminder.set', { spaceId: 'remind0001' });
    await c.fan.request('reminder.set', { spaceId: 'remind0001' }); // twice is once
    await c.other.request('reminder.set', { spaceId: 'remind0001' });
    await c.other.request('reminder.clear', { spaceId: 'remind0001' });
    const mine = (await c.host.request('schedule.pull', { since: 0, limit: 500 })).items.find((i) => i.id === 'remind0001')!;
    expect(mine.reminderCount).toBe(1);
    const seen = await c.fan.request('schedule.get', { spaceId: 'remind0001' });
    expect(seen.reminded).toBe(true);
    expect(JSON.stringify(seen)).not.toContain('secret plan'); // private host notes stay private

    const ics = await fetch(`${server.url}/s/remind0001/event.ics`);
    expect(ics.headers.get('content-type')).toContain('text/calendar');
    const text = await ics.text();
    expect(text).toContain('SUMMARY:Morning\\, show\\; with\\, commas');
    expect(text).toMatch(/DTSTART:\d{8}T\d{6}Z/);
    expect(text).not.toContain('secret plan');
    expect((await fetch(`${server.url}/s/nosuchthng/event.ics`)).status).toBe(404);

    const events: ServerEvent[] = [];
    c.fan.onEvent((e) => events.push(e));
    const started = await c.host.request('schedule.start', { spaceId: 'remind0001' });
    expect(started.item.status).toBe('started');
    await expect.poll(() => events.find((e) => e.type === 'schedule.started')).toEqual({ type: 'schedule.started', spaceId: 'remind0001', title: 'Morning, show; with, commas' });
    expect(await refusal(c.late.request('reminder.set', { spaceId: 'remind0001' }))).toMatchObject({ code: 'invalid_state' });
  });
});
