import { z } from 'zod';

/**
 * The subset of Janus' JSON API (WebSocket transport, subprotocol `janus-protocol`) the
 * server uses. Every message Janus sends is validated against these on arrival.
 */
export const Jsep = z.object({ type: z.enum(['offer', 'answer']), sdp: z.string() });
export type Jsep = z.infer<typeof Jsep>;

export const PluginData = z.object({ plugin: z.string(), data: z.record(z.string(), z.unknown()) });

export const JanusMessage = z.object({
  janus: z.string(),
  transaction: z.string().optional(),
  session_id: z.number().optional(),
  sender: z.number().optional(),
  data: z.object({ id: z.number() }).optional(),
  error: z.object({ code: z.number(), reason: z.string() }).optional(),
  plugindata: PluginData.optional(),
  jsep: Jsep.optional(),
});
export type JanusMessage = z.infer<typeof JanusMessage>;

/** A plugin's reply carries its own error fields inside plugindata.data. */
export function pluginError(data: Record<string, unknown>): string | null {
  if (typeof data.error_code === 'number' || typeof data.error === 'string') {
    return `${String(data.error_code ?? '')} ${String(data.error ?? 'plugin error')}`.trim();
  }
  return null;
}
