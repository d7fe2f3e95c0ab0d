import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { SendOutcome } from './queue.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The one-click unsubscribe URL (RFC 8058); absent only for the verification mail itself. */
  unsubscribeUrl?: string;
  /** Same key, same Message-ID: a resend after a crash mid-send is recognisably the same mail. */
  key: string;
}

/** Sends mail over SMTP (nodemailer) through the relay named by `SPACES_SMTP_URL`. */
export class MailSender {
  private readonly transport: Transporter;
  private readonly domain: string;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(smtpUrl);
    this.domain = from.replace(/^.*@/, '').replace(/>.*$/, '') || 'spaces.invalid';
  }

  async send(m: Mail): Promise<SendOutcome> {
    try {
      await this.transport.sendMail({
        from: this.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: `<${createHash('sha256').update(m.key).digest('hex').slice(0, 40)}@${this.domain}>`,
        ...(m.unsubscribeUrl
          ? { list: { unsubscribe: { url: m.unsubscribeUrl, comment: 'Unsubscribe' } }, headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } }
          : {}),
      });
      return { ok: true };
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      // 5xx: the relay refuses this mail for good; 4xx and network trouble: later.
      if (code && code >= 500) return { ok: false, permanent: true, error: `SMTP ${code}: ${(err as Error).message}` };
      return { ok: false, permanent: false, error: (err as Error).message };
    }
  }

  close(): void {
    this.transport.close();
  }
}
