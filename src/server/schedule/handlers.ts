import type { FastifyPluginAsync } from 'fastify';
import { SpaceId } from '../../shared/space.js';
import type { PublicScheduleItem } from '../../shared/schedule.js';
import type { ScheduleService } from './service.js';
import type { FeatureRouteOptions, Handlers } from '../feature.js';
import { AppError } from '../../shared/errors.js';
import type { scheduleRequests } from '../../shared/schedule.js';
import type { Participant } from '../spaces/participant.js';
import { spacesCalendar } from '../reminders/calendar.js';

/**
 * HTTP routes of scheduled Spaces: `/api/hosts/<handle>/upcoming` (JSON) and `/s/<id>/event.ics`
 * (calendar file). A host's page and calendar feed are `home/` and `reminders/` (issue 21).
 */
export function scheduleRoutes(schedule: ScheduleService, publicUrl: () => string = () => ''): FastifyPluginAsync<FeatureRouteOptions> {
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
        .send(toIcs(item, publicUrl()));
    });
    app.get('/api/hosts/:handle/upcoming', async (req, reply) => {
      const handle = (req.params as { handle: string }).handle;
      if (!/^[A-Za-z0-9_]{3,20}$/.test(handle)) return reply.callNotFound();
      return reply.type('application/json').send(JSON.stringify({ items: schedule.upcoming(handle) }));
    });
  };
}

/** One scheduled Space as an iCalendar file (written by ical-generator, like the host's feed). */
export function toIcs(item: PublicScheduleItem, publicUrl = ''): string {
  return spacesCalendar([{ ...item }], { name: item.title, publicUrl });
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
