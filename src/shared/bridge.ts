import { z } from 'zod';
import { IpcResult } from './ipc.js';

/**
 * Browser mode: the Studio renderer runs in an ordinary browser and reaches the main-process
 * services over one WebSocket (/bridge) instead of Electron IPC. These frames carry the same
 * IPC contract; the payloads inside are validated by the same schemas.
 */
export const BridgeCall = z.object({ id: z.number().int().nonnegative(), channel: z.string().max(64), payload: z.unknown() });
export const BridgeFrame = z.union([
  z.object({ kind: z.literal('result'), id: z.number().int(), result: IpcResult }),
  z.object({ kind: z.literal('event'), channel: z.string(), payload: z.unknown() }),
]);
export type BridgeFrame = z.infer<typeof BridgeFrame>;

export const BRIDGE_PATH = '/bridge';
export const BRIDGE_SESSION_COOKIE = 'studio_session';
