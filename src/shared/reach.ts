import { z } from 'zod';

/**
 * Reaching people with the page closed (issue 21): Web Push subscriptions, an email address
 * (verified by a link), and whether a person wants an alert when a host they follow goes live.
 * The server keeps the VAPID keys; pages only ever see the public one.
 */

/** A push subscription as `PushSubscription.toJSON()` gives it (RFC 8030 endpoint, RFC 8291 keys). */
export const PushSubscriptionJson = z
  .object({
    endpoint: z.url().max(2048),
    expirationTime: z.number().nullable().optional(),
    keys: z
      .object({
        // P-256 public key (65 bytes uncompressed) and 16-byte auth secret, base64url.
        p256dh: z.string().regex(/^[A-Za-z0-9_-]{86,88}={0,2}$/, 'p256dh is a base64url P-256 key'),
        auth: z.string().regex(/^[A-Za-z0-9_-]{21,24}={0,2}$/, 'auth is a base64url 16-byte secret'),
      })
      .strict(),
  })
  .strict();
export type PushSubscriptionJson = z.infer<typeof PushSubscriptionJson>;

export const EmailAddress = z.string().trim().max(254).pipe(z.email('that is not an email address'));

/** What a signed-in person has chosen about being reached. */
export const ReachPrefs = z.object({
  /** Alerts when a host they follow goes live (reminders for Spaces they chose always go). */
  liveAlerts: z.boolean(),
  /** How many browsers of theirs receive pushes. */
  pushDevices: z.number().int().nonnegative(),
  email: z.object({ address: z.string(), verified: z.boolean(), unsubscribed: z.boolean() }).nullable(),
  /** False when the server has no SMTP relay (SPACES_SMTP_URL unset): no mail is sent at all. */
  emailAvailable: z.boolean(),
});
export type ReachPrefs = z.infer<typeof ReachPrefs>;

const none = z.object({}).strict();

export const reachRequests = {
  /** The server's VAPID public key (base64url), for `pushManager.subscribe`. */
  'push.key': { params: none, result: z.object({ publicKey: z.string() }) },
  /** Stores this browser's push subscription with the signed-in account. */
  'push.subscribe': { params: z.object({ subscription: PushSubscriptionJson }).strict(), result: z.object({ prefs: ReachPrefs }) },
  'push.unsubscribe': { params: z.object({ endpoint: z.url().max(2048) }).strict(), result: z.object({ prefs: ReachPrefs }) },
  'reach.prefs': { params: none, result: z.object({ prefs: ReachPrefs }) },
  'reach.setLiveAlerts': { params: z.object({ on: z.boolean() }).strict(), result: z.object({ prefs: ReachPrefs }) },
  /** Sets (or with null removes) the address; a verification link is mailed and nothing else until it is opened. */
  'reach.setEmail': { params: z.object({ email: EmailAddress.nullable() }).strict(), result: z.object({ prefs: ReachPrefs }) },
} as const;

/** What a push message carries (the service worker shows it; a click opens `url`). */
export const PushPayload = z.object({
  kind: z.enum(['live', 'soon', 'follow_live']),
  title: z.string().max(200),
  body: z.string().max(500),
  url: z.string().max(2048),
  spaceId: z.string(),
  tag: z.string().max(100),
});
export type PushPayload = z.infer<typeof PushPayload>;
