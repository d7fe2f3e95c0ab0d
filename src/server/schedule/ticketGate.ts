import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors.js';
import type { ScheduleFields } from '../../shared/schedule.js';
import type { Participant } from '../spaces/service.js';

/**
 * Who may enter a ticketed Space (issue 6): its host, the co-hosts and speakers named in its
 * schedule, and accounts that showed a ticket on this connection. The Space service asks it at
 * every first join; the schedule service records the tickets shown.
 */
export class TicketGate {
  /** Tickets shown by each connection: participant -> space id -> ticket id. */
  private readonly presented = new WeakMap<Participant, Map<string, string>>();

  constructor(private readonly db: Database.Database) {}

  present(p: Participant, spaceId: string, ticketId: string): void {
    let m = this.presented.get(p);
    if (!m) this.presented.set(p, (m = new Map()));
    m.set(spaceId, ticketId);
  }

  has(p: Participant, spaceId: string): boolean {
    return !!this.presented.get(p)?.has(spaceId);
  }

  /** Throws a typed error when this connection may not enter the Space. */
  check(p: Participant, spaceId: string): void {
    const row = this.db.prepare(`SELECT host_account_id, fields, status FROM schedules WHERE space_id = ?`).get(spaceId) as
      | { host_account_id: string; fields: string; status: string }
      | undefined;
    if (!row || row.status === 'cancelled') return;
    const fields = JSON.parse(row.fields) as ScheduleFields;
    if (!fields.ticketing) return;
    const accountId = p.identity.accountId;
    if (accountId === row.host_account_id) return;
    const handle = p.identity.handle;
    if (handle && (fields.cohosts.includes(handle) || fields.speakers.includes(handle))) return;
    if (!accountId) throw new AppError('unauthenticated', 'this Space is ticketed: sign in and show your ticket to join');
    const ticketId = this.presented.get(p)?.get(spaceId);
    if (!ticketId) throw new AppError('forbidden', 'this Space is ticketed: show a ticket to join');
    const t = this.db.prepare(`SELECT account_id FROM tickets WHERE id = ?`).get(ticketId) as { account_id: string } | undefined;
    if (!t || t.account_id !== accountId) throw new AppError('forbidden', 'this ticket was issued to another account');
  }
}
