import type { FastifyReply } from 'fastify';
import type { CoreRequestType, RequestParams, RequestResult, RequestType } from '../shared/signaling.js';
import type { Connection } from './clientHub.js';

/**
 * The shapes a feature plugs into the server with (a leaf module: features import it, the
 * transports implement it). A feature's `handlers.ts` exports its signaling handlers as a
 * `Handlers<...>` map and its HTTP routes as a Fastify plugin taking `FeatureRouteOptions`.
 */
export type { Connection } from './clientHub.js';

/** Answers one request type of the signaling contract for one connection. */
export type Handler<T extends RequestType> = (c: Connection, p: RequestParams<T>) => Promise<RequestResult<T>> | RequestResult<T>;

/** A handler for each of the request types `T` (a feature's share of the protocol). */
export type Handlers<T extends RequestType> = { [K in T]: Handler<K> };

/** The request types the feature folders beyond spaces/ and accounts/ add (schedule, recording, ...). */
export type FeatureHandlers = Handlers<Exclude<RequestType, CoreRequestType>>;

/** Every request type of the contract, each with its handler: what the transport dispatches on. */
export type AllHandlers = Handlers<RequestType>;

/** What the HTTP layer lends to a feature's routes. */
export interface FeatureRouteOptions {
  sendListenerPage: (reply: FastifyReply, page?: 'index' | 'clip') => void;
}

/** For handlers whose result is empty. */
export const done = (_: unknown): Record<string, never> => ({});
