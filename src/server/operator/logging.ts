import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Paths pino censors wherever a logged object carries them: credentials in headers, and any
 * field named like a secret. Nothing in the server logs request or message bodies, so a password
 * or a session token has no way into the log but these.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-metrics-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.token',
  '*.secret',
  'password',
  'token',
  'secret',
];

/** Query parameters whose values never reach the log (downloads take `?token=`). */
const SECRET_PARAMS = /^(token|password|secret|key|code)$/i;

/** A URL as it may be logged: secret query values replaced. */
export function loggableUrl(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of [...params.keys()]) if (SECRET_PARAMS.test(name)) params.set(name, '[redacted]');
  return `${url.slice(0, q)}?${params.toString()}`;
}

/** The server's logger: JSON lines (pino) on stdout or `destination`, secrets censored. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'spaces-server' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: { id?: string; method?: string; url?: string; ip?: string; headers?: Record<string, unknown> }) => ({
          id: req.id,
          method: req.method,
          url: loggableUrl(req.url),
          ip: req.ip,
          userAgent: req.headers?.['user-agent'],
        }),
      },
    },
    destination,
  );
}

/** Request ids: the caller's `X-Request-Id` when it looks like one (a proxy's), else a new UUID. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(given) ? given : randomUUID();
}
