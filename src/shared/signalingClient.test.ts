import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { SignalingClient } from './signalingClient.js';

/** The client's connection handling against a real WebSocket server that comes and goes. */
describe('SignalingClient', () => {
  let http: Server | undefined;
  afterEach(() => new Promise<void>((r) => (http ? http.close(() => r()) : r())));

  const listen = async (port = 0): Promise<number> => {
    http = createServer();
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (ws) => ws.on('message', (m) => {
      const { id } = JSON.parse(m.toString()) as { id: string };
      ws.send(JSON.stringify({ type: 'reply', id, result: { space: { id: 'abcdefghij', title: 't', hostName: 'h', hostHandle: 'h', state: 'live', listenerCount: 0, createdAt: 1, startedAt: 1, endedAt: null } } }));
    }));
    await new Promise<void>((r) => http!.listen(port, '127.0.0.1', () => r()));
    return (http.address() as AddressInfo).port;
  };

  it('an unreachable server rejects connect() with a typed error and keeps retrying; a later connect() joins the retry', async () => {
    const port = await listen();
    await new Promise<void>((r) => http!.close(() => r()));
    http = undefined;
    const client = new SignalingClient(`ws://127.0.0.1:${port}`, (u) => new WebSocket(u) as never);
    await expect(client.connect()).rejects.toMatchObject({ code: 'not_connected' });
    expect(client.state).toBe('disconnected');
    await listen(port);
    // Two callers while a background retry is pending or under way: both settle, with one socket.
    await Promise.all([client.connect(), client.connect()]);
    expect(client.state).toBe('connected');
    await expect(client.request('space.watch', { spaceId: 'abcdefghij' })).resolves.toMatchObject({ space: { id: 'abcdefghij' } });
    client.close();
  });

  it('requests while disconnected fail at once with not_connected', async () => {
    const client = new SignalingClient('ws://127.0.0.1:9', (u) => new WebSocket(u) as never);
    await expect(client.request('space.watch', { spaceId: 'abcdefghij' })).rejects.toMatchObject({ code: 'not_connected' });
  });
});
