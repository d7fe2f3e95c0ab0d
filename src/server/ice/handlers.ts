import type { Handler } from '../feature.js';
import { iceConfigFor, turnUser, type TurnOptions } from './service.js';

/** The signaling handler. */
export function iceHandlers(turn: TurnOptions | undefined): { 'ice.servers': Handler<'ice.servers'> } {
  return { 'ice.servers': (c) => iceConfigFor(turn, turnUser(c.participant)) };
}
