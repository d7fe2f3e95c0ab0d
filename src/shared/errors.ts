import { z } from 'zod';

/** Every error that crosses a boundary (IPC, WebSocket) carries one of these codes. */
export const ErrorCode = z.enum([
  'bad_message', // not JSON, or does not match the schema
  'too_large', // over the size limit
  'unknown_type', // a message type nobody handles
  'not_found', // the Space (or other thing) does not exist
  'forbidden', // the caller's role does not allow it
  'invalid_state', // e.g. going live in an ended Space
  'media_unavailable', // the media server is down or refused
  'not_connected', // the Studio is not connected to a Space server
  'unauthenticated', // needs a signed-in account (or the credentials were wrong)
  'conflict', // e.g. a handle that is taken
  'stage_full', // the stage has no seat left for that role
  'audience_full', // no WebRTC seat left for another listener (the page falls back to HLS)
  'rate_limited', // too many of these too fast
  'timeout',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({ code: ErrorCode, message: z.string() });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** A typed error: thrown by services, turned into an ErrorBody at a boundary. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
  static from(err: unknown): AppError {
    if (err instanceof AppError) return err;
    return new AppError('internal', err instanceof Error ? err.message : String(err));
  }
}

/** Formats zod issues as one short line a user can read. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'message'}: ${i.message}`)
    .join('; ');
}
