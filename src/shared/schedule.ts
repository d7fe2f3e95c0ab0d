import { z } from 'zod';
import { ErrorCode } from './errors.js';
import { Handle } from './account.js';
import { SpaceId, SpacePublic, SpaceTitle } from './space.js';

/**
 * Scheduled Spaces (issue 6): the server protocol and the Studio IPC for scheduling, reminders
 * and tickets. Merged into the central contracts (signaling.ts, ipc.ts) by spreading.
 *
 * Offline-first: the Studio picks the Space id itself (so an edit made offline names the Space
 * it will have on the server), every write carries an idempotency key, and every field carries
 * the hybrid logical clock (HLC) of its last edit: the server and every Studio keep, per field,
 * the value with the greatest clock (last writer wins), except for fields the server owns.
 */

/** A hybrid logical clock stamp: `<wall ms, 15 digits>.<counter, 6 digits>.<node id>`, compared as strings. */
export const Hlc = z.string().regex(/^\d{15}\.\d{6}\.[A-Za-z0-9_-]{1,32}$/, 'malformed clock');
export type Hlc = z.infer<typeof Hlc>;

export const IdempotencyKey = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'malformed idempotency key');

export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as Europe/Paris');

export const Ticketing = z
  .object({
    /** Price in cents of the currency the host sells in (0 = free with a ticket). */
    priceCents: z.number().int().min(0).max(1_000_000),
    count: z.number().int().min(1).max(100_000),
  })
  .strict();
export type Ticketing = z.infer<typeof Ticketing>;

export const SCHEDULE_LIMITS = { cohosts: 2, speakers: 10, topics: 10 } as const;

/** Everything a host edits about a scheduled Space. */
export const ScheduleFields = z
  .object({
    title: SpaceTitle,
    description: z.string().max(2000, 'at most 2000 characters'),
    /** The start instant (ms since the epoch, UTC) ... */
    startsAt: z.number().int().min(0),
    /** ... and the time zone the host scheduled it in (for display and the .ics). */
    timeZone: TimeZone,
    durationMin: z.number().int().min(5, 'at least 5 minutes').max(24 * 60, 'at most 24 hours'),
    cohosts: z.array(Handle).max(SCHEDULE_LIMITS.cohosts, `at most ${SCHEDULE_LIMITS.cohosts} co-hosts`),
    speakers: z.array(Handle).max(SCHEDULE_LIMITS.speakers, `at most ${SCHEDULE_LIMITS.speakers} speakers`),
    topics: z.array(z.string().trim().min(1).max(40)).max(SCHEDULE_LIMITS.topics),
    ticketing: Ticketing.nullable(),
    soundboardSetId: z.string().max(64).nullable(),
    /** Private host notes: synced between the host's Studios, never shown to anyone else. */
    notes: z.string().max(10_000),
  })
  .strict();
export type ScheduleFields = z.infer<typeof ScheduleFields>;
export type ScheduleField = keyof ScheduleFields;
export const SCHEDULE_FIELDS = Object.keys(ScheduleFields.shape) as ScheduleField[];

/** Per-field clocks. */
export const FieldClocks = z.record(z.string(), Hlc);
export type FieldClocks = Record<string, Hlc>;

/** What the server knows about a scheduled Space beyond its fields. */
export const ScheduleStatus = z.enum(['scheduled', 'started', 'cancelled', 'ended']);
export type ScheduleStatus = z.infer<typeof ScheduleStatus>;

/** The host's view on the server: every field with its clock, and the server-owned facts. */
export const HostScheduleItem = z.object({
  id: SpaceId,
  fields: ScheduleFields,
  clocks: FieldClocks,
  status: ScheduleStatus,
  reminderCount: z.number().int().nonnegative(),
  ticketsIssued: z.number().int().nonnegative(),
  /** Server change counter: pulls ask for items changed after a cursor. */
  version: z.number().int(),
});
export type HostScheduleItem = z.infer<typeof HostScheduleItem>;

/** What anyone may know about a scheduled Space (no notes, no clocks). */
export const PublicScheduleItem = z.object({
  id: SpaceId,
  title: z.string(),
  description: z.string(),
  startsAt: z.number().int(),
  timeZone: z.string(),
  durationMin: z.number().int(),
  hostHandle: z.string(),
  hostName: z.string(),
  cohosts: z.array(z.string()),
  speakers: z.array(z.string()),
  topics: z.array(z.string()),
  status: ScheduleStatus,
  ticketing: z.object({ priceCents: z.number().int(), count: z.number().int(), left: z.number().int(), soldOut: z.boolean() }).nullable(),
});
export type PublicScheduleItem = z.infer<typeof PublicScheduleItem>;

const FieldChange = z.object({ value: z.unknown(), hlc: Hlc }).strict();
const Rejection = z.object({ field: z.string(), reason: z.string() });
export type Rejection = z.infer<typeof Rejection>;
const inSpace = z.object({ spaceId: SpaceId }).strict();
const keyed = { key: IdempotencyKey, spaceId: SpaceId };

export const scheduleRequests = {
  /** The host creates a scheduled Space with the id its Studio chose. Same key or id again: the same answer. */
  'schedule.create': {
    params: z.object({ ...keyed, fields: ScheduleFields, hlc: Hlc }).strict(),
    result: z.object({ item: HostScheduleItem, rejected: z.array(Rejection) }),
  },
  /** Per-field changes, each with its clock; the server keeps the newest per field and refuses what it owns. */
  'schedule.update': {
    params: z.object({ ...keyed, changes: z.record(z.string(), FieldChange) }).strict(),
    result: z.object({ item: HostScheduleItem, rejected: z.array(Rejection) }),
  },
  'schedule.cancel': {
    params: z.object({ ...keyed, hlc: Hlc }).strict(),
    result: z.object({ item: HostScheduleItem, rejected: z.array(Rejection) }),
  },
  /** The host starts it now: reminder holders watching are told; the host's stage join makes it live. */
  'schedule.start': { params: inSpace, result: z.object({ item: HostScheduleItem, space: SpacePublic }) },
  /** The signed-in host's scheduled Spaces changed after `since` (a version), oldest first. */
  'schedule.pull': {
    params: z.object({ since: z.number().int().min(0), limit: z.number().int().min(1).max(1000).default(500) }).strict(),
    result: z.object({ items: z.array(HostScheduleItem), cursor: z.number().int(), more: z.boolean() }),
  },
  /** Public view of one scheduled Space, with the caller's reminder and the host's reminder count. */
  'schedule.get': {
    params: inSpace,
    result: z.object({ item: PublicScheduleItem, reminded: z.boolean(), hasTicket: z.boolean() }),
  },
  'schedule.upcoming': { params: z.object({ handle: Handle }).strict(), result: z.object({ items: z.array(PublicScheduleItem) }) },
  'reminder.set': { params: inSpace, result: z.object({ reminded: z.boolean() }) },
  'reminder.clear': { params: inSpace, result: z.object({ reminded: z.boolean() }) },
  /** The host issues complimentary or pay-at-door codes (the built-in payment provider). */
  'ticket.codes': {
    params: z.object({ spaceId: SpaceId, kind: z.enum(['complimentary', 'door']), count: z.number().int().min(1).max(500) }).strict(),
    result: z.object({ codes: z.array(z.string()) }),
  },
  /** A signed-in listener redeems a code through the payment provider and gets a signed ticket. */
  'ticket.claim': {
    params: z.object({ spaceId: SpaceId, code: z.string().min(1).max(100) }).strict(),
    result: z.object({ ticket: z.string() }),
  },
  /** Shows a ticket for this connection before `space.join` of a ticketed Space. */
  'ticket.present': { params: z.object({ spaceId: SpaceId, ticket: z.string().min(1).max(1000) }).strict(), result: z.object({}) },
} as const;

export const scheduleEvents = [
  /** To everyone watching a scheduled Space when its host starts it. */
  z.object({ type: z.literal('schedule.started'), spaceId: SpaceId, title: z.string() }),
] as const;

// ---- Studio IPC ----

export const SyncState = z.enum(['saved_locally', 'synced', 'conflict_resolved', 'rejected']);
export type SyncState = z.infer<typeof SyncState>;

/** A scheduled Space as the Studio shows it: the local fields and how far they got. */
export const LocalScheduleItem = z.object({
  id: SpaceId,
  fields: ScheduleFields,
  sync: z.object({ state: SyncState, reason: z.string().nullable() }),
  status: ScheduleStatus.nullable(),
  reminderCount: z.number().int().nonnegative(),
  ticketsIssued: z.number().int().nonnegative(),
  updatedAt: z.number().int(),
});
export type LocalScheduleItem = z.infer<typeof LocalScheduleItem>;

export const SyncStatus = z.object({
  state: z.enum(['offline', 'syncing', 'idle']),
  pending: z.number().int().nonnegative(),
  error: z.string().nullable(),
  /** The error's code, which the Studio says as a sentence in the person's language (`error` is for logs). */
  errorCode: ErrorCode.nullable().optional(),
  lastSyncAt: z.number().int().nullable(),
});
export type SyncStatus = z.infer<typeof SyncStatus>;

export const ScheduleSettings = z.object({ reminderLeadMin: z.number().int().min(0).max(24 * 60) });

export const scheduleIpcCalls = {
  listScheduled: {
    channel: 'schedule:list',
    request: z.object({ query: z.string().max(200).optional(), limit: z.number().int().min(1).max(500).default(100), offset: z.number().int().min(0).default(0) }).strict(),
    response: z.object({ items: z.array(LocalScheduleItem), total: z.number().int() }),
  },
  /** Creates (no id) or edits a scheduled Space; committed locally before it resolves. */
  saveScheduled: {
    channel: 'schedule:save',
    request: z.object({ id: SpaceId.optional(), fields: ScheduleFields.partial().strict() }).strict(),
    response: LocalScheduleItem,
  },
  deleteScheduled: { channel: 'schedule:delete', request: z.object({ id: SpaceId }).strict(), response: z.object({ id: SpaceId }) },
  /** Starts it on the server and enters it: the Studio then goes live as for any Space. */
  startScheduled: {
    channel: 'schedule:start',
    request: z.object({ id: SpaceId }).strict(),
    response: z.object({ space: SpacePublic, listenerUrl: z.string() }),
  },
  /** The host issues single-use ticket codes (complimentary or pay-at-door) for a ticketed Space it has synced. */
  issueTicketCodes: {
    channel: 'schedule:ticket-codes',
    request: z.object({ id: SpaceId, kind: z.enum(['complimentary', 'door']), count: z.number().int().min(1).max(500) }).strict(),
    response: z.object({ codes: z.array(z.string()) }),
  },
  syncNow: { channel: 'schedule:sync', request: z.object({}).strict(), response: SyncStatus },
  getSyncStatus: { channel: 'schedule:status', request: z.object({}).strict(), response: SyncStatus },
  getScheduleSettings: { channel: 'schedule:settings:get', request: z.object({}).strict(), response: ScheduleSettings },
  updateScheduleSettings: { channel: 'schedule:settings:update', request: ScheduleSettings.strict(), response: ScheduleSettings },
} as const;

export const scheduleIpcEvents = {
  onScheduleItem: { channel: 'event:schedule-item', payload: LocalScheduleItem },
  onScheduleRemoved: { channel: 'event:schedule-removed', payload: z.object({ id: SpaceId }) },
  onScheduleSync: { channel: 'event:schedule-sync', payload: SyncStatus },
  /** A scheduled Space starts soon: the renderer shows a desktop notification. */
  onScheduleReminder: { channel: 'event:schedule-reminder', payload: z.object({ id: SpaceId, title: z.string(), startsAt: z.number().int() }) },
} as const;
