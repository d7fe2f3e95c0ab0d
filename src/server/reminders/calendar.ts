import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';

/** One scheduled Space as a calendar event. */
export interface CalendarSpace {
  id: string;
  title: string;
  description: string;
  startsAt: number;
  durationMin: number;
  timeZone: string;
  hostHandle: string;
  status: 'scheduled' | 'started' | 'cancelled' | 'ended';
  /** Grows with every change, so subscribed calendars replace their copy (RFC 5545 SEQUENCE). */
  sequence?: number;
}

/**
 * RFC 5545 calendars of scheduled Spaces, written by `ical-generator`: one Space (`/s/<id>/event.ics`)
 * or a host's feed (`/u/<handle>/calendar.ics`, subscribed once as webcal://). The UID of a Space
 * never changes, so a moved Space moves in the subscriber's calendar and a cancelled one is marked
 * cancelled.
 */
export function spacesCalendar(spaces: CalendarSpace[], opts: { name: string; publicUrl: string; feedUrl?: string }): string {
  const cal = ical({
    name: opts.name,
    prodId: { company: 'Spaces Studio', product: 'Scheduled Spaces', language: 'EN' },
    ...(opts.feedUrl ? { url: opts.feedUrl, ttl: 15 * 60 } : { method: ICalCalendarMethod.PUBLISH }),
  });
  for (const s of spaces) {
    const url = `${opts.publicUrl}/s/${s.id}`;
    cal.createEvent({
      id: `${s.id}@spaces`,
      start: new Date(s.startsAt),
      end: new Date(s.startsAt + s.durationMin * 60_000),
      summary: s.title,
      description: `${s.description ? `${s.description}\n` : ''}Hosted by @${s.hostHandle} (scheduled in ${s.timeZone})\n${url}`,
      url,
      sequence: s.sequence ?? 0,
      stamp: new Date(),
      status: s.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    });
  }
  return cal.toString();
}
