import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawClient } from '../support/wsClient.js';
import { startTestServer } from '../support/stack.js';
import type { RunningServer } from '../../src/server/app.js';

/** Malformed, oversized, unknown and unauthorized messages: typed errors, nothing changes. */
describe('the Space server refuses bad input and stays as it was', () => {
  let server: RunningServer;
  let client: Awaited<ReturnType<typeof rawClient>>;
  let spaceId = '';
  const snapshot = async (): Promise<unknown> => (await (await fetch(`${server.url}/api/spaces/${spaceId}`)).json()) as unknown;

  beforeAll(async () => {
    server = await startTestServer({ janusWsPort: 8189 });
    client = await rawClient(server.url);
    await client.request('r1', 'auth.register', { handle: 'robust_host', displayName: 'Ann', password: 'correct horse battery' });
    const created = await client.request('c1', 'space.create', { title: 'Robust' });
    ({ space: { id: spaceId } } = created.result as { space: { id: string } });
    await client.request('j1', 'space.join', { spaceId });
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
  });

  it('not JSON, binary, and a wrong envelope: bad_message without an id', async () => {
    const before = await snapshot();
    client.send('{"id":');
    expect(await client.nextUntagged()).toMatchObject({ error: { code: 'bad_message' } });
    client.send(Buffer.from([1, 2, 3]));
    expect(await client.nextUntagged()).toMatchObject({ error: { code: 'bad_message' } });
    client.send({ type: 'space.end' });
    expect(await client.nextUntagged()).toMatchObject({ error: { code: 'bad_message' } });
    expect(await snapshot()).toEqual(before);
  });

  it('oversized messages: too_large, and the connection stays open', async () => {
    client.send(JSON.stringify({ id: 'big', type: 'space.create', params: { title: 'x'.repeat(100_000) } }));
    expect(await client.nextUntagged()).toMatchObject({ error: { code: 'too_large' } });
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it('unknown types and prototype keys: unknown_type', async () => {
    expect(await client.request('u1', 'space.delete_everything', {})).toMatchObject({ type: 'error', error: { code: 'unknown_type' } });
    expect(await client.request('u2', '__proto__', {})).toMatchObject({ type: 'error', error: { code: 'unknown_type' } });
    expect(await client.request('u3', 'constructor', {})).toMatchObject({ type: 'error', error: { code: 'unknown_type' } });
  });

  it('bad params: bad_message naming the field', async () => {
    const r = await client.request('p1', 'space.create', { title: '' });
    expect(r).toMatchObject({ type: 'error', error: { code: 'bad_message' } });
    expect(String((r.error as { message: string }).message)).toContain('title');
    expect(await client.request('p2', 'stage.join', { spaceId: '../etc', sdp: 'v=0 long enough' })).toMatchObject({ error: { code: 'bad_message' } });
    expect(await client.request('p3', 'space.end', { spaceId, hostToken: 'extra fields are refused' })).toMatchObject({ error: { code: 'bad_message' } });
  });

  it('someone else cannot end the Space: forbidden, and the Space is not ended', async () => {
    const before = await snapshot();
    const other = await rawClient(server.url);
    expect(await other.request('f1', 'space.end', { spaceId })).toMatchObject({ error: { code: 'forbidden' } });
    await other.request('f2', 'space.join', { spaceId, displayName: 'Mallory' });
    expect(await other.request('f3', 'space.end', { spaceId })).toMatchObject({ error: { code: 'forbidden' } });
    other.close();
    await new Promise((r) => setTimeout(r, 100)); // Mallory's leaving settles
    expect(await snapshot()).toEqual(before);
  });

  it('an unknown Space: not_found; answering before listening: invalid_state', async () => {
    expect(await client.request('n1', 'space.watch', { spaceId: 'zzzzzzzzzz' })).toMatchObject({ error: { code: 'not_found' } });
    expect(await client.request('n2', 'listen.answer', { spaceId, sdp: 'v=0 nothing here' })).toMatchObject({ error: { code: 'invalid_state' } });
    expect(await client.request('n3', 'space.join', { spaceId: 'zzzzzzzzzz' })).toMatchObject({ error: { code: 'not_found' } });
  });

  it('after all that the same connection still works', async () => {
    expect(await client.request('ok', 'space.watch', { spaceId })).toMatchObject({ type: 'reply', result: { space: { id: spaceId, state: 'scheduled' } } });
  });

  it('a browser page from another origin cannot open the socket', async () => {
    await expect(rawClient(server.url, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
  });
});
