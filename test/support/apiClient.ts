import WebSocket from 'ws';
import { SignalingClient } from '../../src/shared/signalingClient.js';
import { AppError } from '../../src/shared/errors.js';
import type { RequestParams, RequestResult, RequestType } from '../../src/shared/signaling.js';

/** A typed client of the Space server's WebSocket API (the same one the Studio uses), for tests. */
export async function apiClient(serverUrl: string): Promise<SignalingClient> {
  const client = new SignalingClient(serverUrl.replace(/^http/, 'ws') + '/ws', (u) => new WebSocket(u) as never, 10_000);
  await client.connect();
  return client;
}

/** Runs a request and returns 'ok' or the typed error code it was refused with. */
export async function outcome<T extends RequestType>(client: SignalingClient, type: T, params: RequestParams<T>): Promise<string> {
  try {
    await client.request(type, params);
    return 'ok';
  } catch (err) {
    return AppError.from(err).code;
  }
}

export type { RequestResult };
