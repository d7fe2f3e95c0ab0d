import { z } from 'zod';
import { DisplayName } from './space.js';

export const Handle = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_]{3,20}$/, 'a handle is 3-20 letters, digits or _')
  .transform((h) => h.toLowerCase());
export const Password = z.string().min(10, 'at least 10 characters').max(200, 'at most 200 characters');
/** Session tokens are 32 random bytes, base64url. */
export const SessionToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'malformed session token');

export const AccountPublic = z.object({
  id: z.string(),
  handle: z.string(),
  displayName: z.string(),
  followerCount: z.number().int().nonnegative(),
  followingCount: z.number().int().nonnegative(),
});
export type AccountPublic = z.infer<typeof AccountPublic>;

export const SignedIn = z.object({ account: AccountPublic, token: SessionToken, expiresAt: z.number().int() });
export type SignedIn = z.infer<typeof SignedIn>;

export const Registration = z.object({ handle: Handle, displayName: DisplayName, password: Password });

/** Who may host: server configuration. */
export const HostingPolicy = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('open') }),
  z.object({ kind: z.literal('allowlist'), handles: z.array(z.string()) }),
  z.object({ kind: z.literal('min_followers'), count: z.number().int().nonnegative() }),
]);
export type HostingPolicy = z.infer<typeof HostingPolicy>;
