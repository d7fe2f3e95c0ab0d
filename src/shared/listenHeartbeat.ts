/** A page sends `progress` at least this often while playing; a play silent for 3 of these has ended (no zod here: the clip page imports it). */
export const LISTEN_HEARTBEAT_MS = 15_000;
