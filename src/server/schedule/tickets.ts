import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors.js';

/**
 * Tickets: a ticket is a signed token `t1.<payload>.<mac>` (HMAC-SHA256 with a server secret
 * kept in the data dir) naming the ticket, the Space and the account it was issued to.
 * Tickets are issued through a PaymentProvider; the built-in one redeems codes the host made
 * (complimentary, or pay-at-door: paid in person, nothing is charged here).
 */

export interface Redemption {
  /** What the buyer paid (or owes at the door), in cents. */
  amountCents: number;
  /** 'complimentary' | 'door' | a real provider's name. */
  method: string;
}

export interface PaymentProvider {
  readonly name: string;
  /** Redeems a payment proof (here: a code) for one ticket to `spaceId`; throws a typed error if refused. */
  redeem(spaceId: string, code: string, accountId: string, priceCents: number): Redemption;
}

/** Built-in provider: single-use codes the host generated (no real payments). */
export class CodeProvider implements PaymentProvider {
  readonly name = 'codes';
  constructor(private readonly db: Database.Database) {}

  generate(spaceId: string, kind: 'complimentary' | 'door', count: number, now: number): string[] {
    const insert = this.db.prepare(`INSERT INTO ticket_codes (code, space_id, kind, created_at) VALUES (?, ?, ?, ?)`);
    const codes = Array.from({ length: count }, () => `${kind === 'door' ? 'DOOR' : 'COMP'}-${randomBytes(6).toString('hex').toUpperCase()}`);
    this.db.transaction(() => codes.forEach((c) => insert.run(c, spaceId, kind, now)))();
    return codes;
  }

  redeem(spaceId: string, code: string, accountId: string, priceCents: number): Redemption {
    const row = this.db.prepare(`SELECT space_id, kind, redeemed_by FROM ticket_codes WHERE code = ?`).get(code.trim().toUpperCase()) as
      | { space_id: string; kind: 'complimentary' | 'door'; redeemed_by: string | null }
      | undefined;
    if (!row) throw new AppError('forbidden', 'this ticket code is not valid');
    if (row.space_id !== spaceId) throw new AppError('forbidden', 'this ticket code is for another Space');
    if (row.redeemed_by && row.redeemed_by !== accountId) throw new AppError('forbidden', 'this ticket code was already used by someone else');
    this.db.prepare(`UPDATE ticket_codes SET redeemed_by = ? WHERE code = ?`).run(accountId, code.trim().toUpperCase());
    return { amountCents: row.kind === 'complimentary' ? 0 : priceCents, method: row.kind };
  }
}

export interface TicketClaims {
  ticketId: string;
  spaceId: string;
  accountId: string;
}

/** Signs and verifies tickets. */
export class TicketSigner {
  private readonly secret: Buffer;

  constructor(secretFile: string) {
    if (existsSync(secretFile)) this.secret = Buffer.from(readFileSync(secretFile, 'utf8').trim(), 'base64url');
    else {
      mkdirSync(dirname(secretFile), { recursive: true });
      this.secret = randomBytes(32);
      writeFileSync(secretFile, this.secret.toString('base64url'), { mode: 0o600 });
    }
    if (this.secret.length < 32) throw new Error(`ticket secret in ${secretFile} is too short`);
  }

  sign(claims: TicketClaims): string {
    const payload = Buffer.from(JSON.stringify({ t: claims.ticketId, s: claims.spaceId, a: claims.accountId })).toString('base64url');
    return `t1.${payload}.${this.mac(payload)}`;
  }

  /** The claims of a genuine ticket; throws `forbidden` for anything forged or damaged. */
  verify(token: string): TicketClaims {
    const forged = new AppError('forbidden', 'this ticket is not valid: it was not issued by this server');
    const [v, payload, mac] = token.split('.');
    if (v !== 't1' || !payload || !mac) throw forged;
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw forged;
    try {
      const c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { t: string; s: string; a: string };
      if (typeof c.t !== 'string' || typeof c.s !== 'string' || typeof c.a !== 'string') throw forged;
      return { ticketId: c.t, spaceId: c.s, accountId: c.a };
    } catch {
      throw forged;
    }
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
