import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors.js';
import type { AccountPublic, HostingPolicy, SignedIn } from '../../shared/account.js';
import { AccountStore, type AccountRow } from './store.js';

/** scrypt, memory-hard: N=2^15, r=8 -> 32 MiB per hash, ~60 ms here. */
const KDF = { N: 2 ** 15, r: 8, p: 1, keylen: 32 } as const;
const SESSION_MS = 30 * 24 * 3600 * 1000;

function kdf(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KDF.keylen, { ...params, maxmem: 256 * params.N * params.r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await kdf(password, salt, KDF);
  return `scrypt$${KDF.N}$${KDF.r}$${KDF.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const key = await kdf(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  const expected = Buffer.from(hash, 'base64url');
  return key.length === expected.length && timingSafeEqual(key, expected);
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export type { AccountRow } from './store.js';

/** Accounts, sessions and follows (their SQL: store.ts). Passwords never leave this module; tokens are stored hashed. */
export class AccountService {
  // A fixed hash to spend the same time on unknown handles as on wrong passwords.
  private readonly dummyHash = hashPassword(randomUUID());

  private readonly store: AccountStore;

  constructor(
    db: Database.Database,
    private readonly policy: HostingPolicy,
    private readonly now: () => number = Date.now,
  ) {
    this.store = new AccountStore(db);
  }

  async register(handle: string, displayName: string, password: string): Promise<SignedIn> {
    if (this.byHandle(handle)) throw new AppError('conflict', `the handle @${handle} is taken`);
    const id = randomBytes(9).toString('base64url');
    const passwordHash = await hashPassword(password);
    try {
      this.store.insertAccount(id, handle, displayName, passwordHash, this.now());
    } catch {
      throw new AppError('conflict', `the handle @${handle} is taken`);
    }
    return this.newSession(this.byId(id)!);
  }

  async signIn(handle: string, password: string): Promise<SignedIn> {
    const row = this.byHandle(handle);
    const ok = await verifyPassword(password, row?.password_hash ?? (await this.dummyHash));
    if (!row || !ok) throw new AppError('unauthenticated', 'wrong handle or password');
    return this.newSession(row);
  }

  /** The account a session token belongs to, if the token is valid, unexpired and not revoked. */
  resume(token: string): SignedIn {
    const s = this.store.session(sha256(token), this.now());
    const row = s && this.byId(s.account_id);
    if (!s || !row) throw new AppError('unauthenticated', 'this session has expired or was signed out; sign in again');
    return { account: this.toPublic(row), token, expiresAt: s.expires_at };
  }

  signOut(token: string): void {
    this.store.revokeSession(sha256(token), this.now());
  }

  get(handle: string): AccountPublic {
    const row = this.byHandle(handle);
    if (!row) throw new AppError('not_found', `no account @${handle}`);
    return this.toPublic(row);
  }

  isFollowing(followerId: string, followeeId: string): boolean {
    return this.store.isFollowing(followerId, followeeId);
  }

  follow(followerId: string, handle: string): AccountPublic {
    const target = this.byHandle(handle);
    if (!target) throw new AppError('not_found', `no account @${handle}`);
    if (target.id === followerId) throw new AppError('invalid_state', 'you cannot follow yourself');
    this.store.follow(followerId, target.id, this.now());
    return this.toPublic(target);
  }

  unfollow(followerId: string, handle: string): AccountPublic {
    const target = this.byHandle(handle);
    if (!target) throw new AppError('not_found', `no account @${handle}`);
    this.store.unfollow(followerId, target.id);
    return this.toPublic(target);
  }

  /** Applies the server's hosting policy; a refusal says why. */
  assertMayHost(account: AccountPublic): void {
    const p = this.policy;
    if (p.kind === 'allowlist' && !p.handles.map((h) => h.toLowerCase()).includes(account.handle)) {
      throw new AppError('forbidden', 'hosting on this server is limited to invited accounts');
    }
    if (p.kind === 'min_followers') {
      const followers = this.toPublic(this.byId(account.id)!).followerCount;
      if (followers < p.count) {
        throw new AppError('forbidden', `hosting needs at least ${p.count} followers; you have ${followers}`);
      }
    }
  }

  byId(id: string): AccountRow | undefined {
    return this.store.byId(id);
  }

  private byHandle(handle: string): AccountRow | undefined {
    return this.store.byHandle(handle.toLowerCase());
  }

  private newSession(row: AccountRow): SignedIn {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + SESSION_MS;
    this.store.insertSession(sha256(token), row.id, this.now(), expiresAt);
    return { account: this.toPublic(row), token, expiresAt };
  }

  toPublic(row: AccountRow): AccountPublic {
    return {
      id: row.id,
      handle: row.handle,
      displayName: row.display_name,
      followerCount: this.store.followerCount(row.id),
      followingCount: this.store.followingCount(row.id),
    };
  }
}
