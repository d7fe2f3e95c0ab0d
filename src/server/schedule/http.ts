import type { FastifyPluginAsync } from 'fastify';
import { SpaceId } from '../../shared/space.js';
import type { PublicScheduleItem } from '../../shared/schedule.js';
import type { ScheduleService } from './service.js';
import type { FeatureRouteOptions } from '../web.js';
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
