import { AppError, ErrorCode } from '../../shared/errors';
import type { ConnectionStatus } from '../../shared/ipc';
import { i18next } from './i18n';

/**
 * An error whose message is already a sentence from the catalogue, in the person's language
 * (thrown by the renderer itself: "the clip is not loaded yet", "this file cannot be imported").
 */
export class Sentence extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Sentence';
  }
}

/** Browser errors (getUserMedia, setSinkId, decoding) a person can act on, by their DOMException name. */
const BROWSER_ERRORS = ['NotAllowedError', 'NotFoundError', 'NotReadableError', 'OverconstrainedError', 'AbortError', 'NotSupportedError', 'EncodingError'] as const;
type BrowserError = (typeof BROWSER_ERRORS)[number];
const isBrowserError = (name: string): name is BrowserError => (BROWSER_ERRORS as readonly string[]).includes(name);

/**
 * What the Studio says to a person about a failure: a sentence from the catalogue, never the
 * error's own message (which may be English, technical, or a validation dump). Typed errors
 * (AppError, from the main process or the Space server) are told by their code; anything else
 * gets the generic sentence.
 */
export function errorText(err: unknown): string {
  if (err instanceof Sentence) return err.message;
  if (err instanceof AppError) {
    const code = ErrorCode.safeParse(err.code);
    return code.success ? i18next.t(`errors.code.${code.data}`) : i18next.t('errors.unexpected');
  }
  if (err instanceof DOMException && isBrowserError(err.name)) return i18next.t(`errors.browser.${err.name}`);
  return i18next.t('errors.unexpected');
}

/** Why the Studio cannot use its server, in the person's language (never the main process' English text). */
export function connectionProblemText(status: ConnectionStatus): string {
  const p = status.problem;
  if (p) return i18next.t(`connection.problems.${p.kind}`, { server: p.server, httpsUrl: p.httpsUrl ?? '' });
  let server = status.serverUrl;
  try {
    server = new URL(status.serverUrl).host;
  } catch {
    // keep it as typed
  }
  return i18next.t('connection.problems.unknown', { server });
}
