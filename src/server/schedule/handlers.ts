import type { FastifyPluginAsync } from 'fastify';
import { SpaceId } from '../../shared/space.js';
import type { PublicScheduleItem } from '../../shared/schedule.js';
import type { ScheduleService } from './service.js';
import type { FeatureRouteOptions, Handlers } from '../feature.js';
import { AppError } from '../../shared/errors.js';
import type { scheduleRequests } from '../../shared/schedule.js';
import type { Participant } from '../spaces/participant.js';

/**
 * HTTP routes of scheduled Spaces: `/u/<handle>` (a host's upcoming Spaces, HTML),
 * `/api/hosts/<handle>/upcoming` (JSON) and `/s/<id>/event.ics` (calendar file).
 */
export function scheduleRoutes(schedule: ScheduleService): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app) => {
    app.get('/s/:id/event.ics', async (req, reply) => {
      const id = SpaceId.safeParse((req.params as { id: string }).id);
      let item: PublicScheduleItem | undefined;
      try {
        if (id.success) item = schedule.publicItem(id.data);
      } catch {
        item = undefined;
      }
      if (!item) return reply.code(404).type('text/plain; charset=utf-8').send('no scheduled Space with this id');
      return reply
        .type('text/calendar; charset=utf-8')
        .header('Content-Disposition', `attachment; filename="space-${item.id}.ics"`)
        .send(toIcs(item));
    });
    app.get('/api/hosts/:handle/upcoming', async (req, reply) => {
      const handle = (req.params as { handle: string }).handle;
      if (!/^[A-Za-z0-9_]{3,20}$/.test(handle)) return reply.callNotFound();
      return reply.type('application/json').send(JSON.stringify({ items: schedule.upcoming(handle) }));
    });
    const page = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply): Promise<unknown> => {
      const handle = (req.params as { handle: string }).handle;
      if (!/^[A-Za-z0-9_]{3,20}$/.test(handle)) return reply.callNotFound();
      return reply.type('text/html; charset=utf-8').send(upcomingPage(handle.toLowerCase(), schedule.upcoming(handle)));
    };
    app.get('/u/:handle', page);
    app.get('/u/:handle/', page);
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function formatStart(item: Pick<PublicScheduleItem, 'startsAt' | 'timeZone'>): string {
  return `${new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: item.timeZone }).format(item.startsAt)} (${item.timeZone})`;
}

function upcomingPage(handle: string, items: PublicScheduleItem[]): string {
  const rows = items
    .map(
      (i) =>
        `<li><a href="/s/${i.id}">${escapeHtml(i.title)}</a> <span class="status">${i.status === 'started' ? 'live now' : escapeHtml(formatStart(i))}</span>` +
        `${i.ticketing ? ` <span class="tickets">${i.ticketing.soldOut ? 'sold out' : `${i.ticketing.left} tickets left`}</span>` : ''}` +
        ` <a href="/s/${i.id}/event.ics">add to calendar</a></li>`,
    )
    .join('');
  const body = `<h1>Upcoming Spaces by @${escapeHtml(handle)}</h1>${items.length ? `<ul>${rows}</ul>` : '<p>No upcoming Spaces.</p>'}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Upcoming Spaces by @${escapeHtml(handle)}</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem">${body}</body></html>`;
}

/** RFC 5545 text escaping and 75-octet line folding. */
function icsText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}
function fold(line: string): string {
  const out: string[] = [];
  let rest = line;
  while (Buffer.byteLength(rest) > 75) {
    let n = 75;
    while (Buffer.byteLength(rest.slice(0, n)) > 75) n--;
    out.push(rest.slice(0, n));
    rest = ' ' + rest.slice(n);
  }
  out.push(rest);
  return out.join('\r\n');
}
const utc = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

export function toIcs(item: PublicScheduleItem): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Spaces Studio//Scheduled Spaces//EN',
    'BEGIN:VEVENT',
    `UID:${item.id}@spaces`,
    `DTSTAMP:${utc(Date.now())}`,
    `DTSTART:${utc(item.startsAt)}`,
    `DTEND:${utc(item.startsAt + item.durationMin * 60_000)}`,
    `SUMMARY:${icsText(item.title)}`,
    `DESCRIPTION:${icsText(`${item.description}\nHosted by @${item.hostHandle} (scheduled in ${item.timeZone})`)}`,
    item.status === 'cancelled' ? 'STATUS:CANCELLED' : 'STATUS:CONFIRMED',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(fold).join('\r\n') + '\r\n';
}

/** The signaling handlers of the schedule protocol. */
export function scheduleHandlers(s: ScheduleService): Handlers<keyof typeof scheduleRequests> {
  const account = (c: { participant: Participant }): string => {
    const id = c.participant.identity.accountId;
    if (!id) throw new AppError('unauthenticated', 'sign in first');
    return id;
  };
  return {
    'schedule.create': (c, p) => s.create(account(c), p.key, p.spaceId, p.fields, p.hlc),
    'schedule.update': (c, p) => s.update(account(c), p.key, p.spaceId, p.changes),
    'schedule.cancel': (c, p) => s.cancel(account(c), p.key, p.spaceId),
    'schedule.start': (c, p) => {
      const r = s.start(account(c), p.spaceId);
      c.follow(p.spaceId);
      return r;
    },
    'schedule.pull': (c, p) => s.pull(account(c), p.since, p.limit),
    'schedule.get': (c, p) => {
      const r = s.get(c.participant.identity.accountId, p.spaceId, c.participant);
      c.follow(p.spaceId); // the page hears `schedule.started` and `space.updated`
      return r;
    },
    'schedule.upcoming': (_c, p) => ({ items: s.upcoming(p.handle) }),
    'reminder.set': (c, p) => s.setReminder(account(c), p.spaceId, true),
    'reminder.clear': (c, p) => s.setReminder(account(c), p.spaceId, false),
    'ticket.codes': (c, p) => ({ codes: s.issueCodes(account(c), p.spaceId, p.kind, p.count) }),
    'ticket.claim': (c, p) => ({ ticket: s.claimTicket(account(c), p.spaceId, p.code) }),
    'ticket.present': (c, p) => {
      s.presentTicket(c.participant, p.spaceId, p.ticket);
      return {};
    },
  };
}
