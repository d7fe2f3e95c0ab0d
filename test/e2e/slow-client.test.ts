import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { CLOSE_CODES } from '../../src/shared/signaling.js';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import { apiClient } from '../support/apiClient.js';
import { startServerProcess } from '../support/serverProcess.js';
import { requireNetns, tempDir } from '../support/stack.js';

/** The server's resident memory, from the kernel. */
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** Bound on how much the server may grow while one client refuses to read (stated in docs/architecture.md). */
const RSS_GROWTH_BOUND_MB = 64;

/**
 * Issue 11: a client that stops reading its socket while the server has a lot for it. The server
 * (its own process, as in production) holds back snapshots, drops what may be dropped, closes it
 * with the typed `slow_consumer` code, and keeps serving everyone else; its memory stays bounded.
 */
describe('a client that stops reading', () => {
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  let host: SignalingClient;
  let other: SignalingClient;
  let spaceId = '';

  beforeAll(async () => {
    requireNetns();
    server = await startServerProcess({ port: 8391, dataDir: tempDir('slow-client'), env: { JANUS_WS_PORT: '8293', SPACES_SLOW_CLIENT_MS: '2000', SPACES_REACTIONS_PER_10S: '1000' } });
    host = await apiClient(server.url);
    await host.request('auth.register', { handle: 'slow_host', displayName: 'Host', password: 'correct horse battery' });
    spaceId = (await host.request('space.create', { title: 'Busy room' })).space.id;
    await host.request('space.join', { spaceId });
    other = await apiClient(server.url);
    await other.request('space.join', { spaceId, displayName: 'Reader' });
  });
  afterAll(async () => {
    host?.close();
    other?.close();
    await server?.stop();
  });

  const health = async (): Promise<{ slowClientsClosed: number; connections: number }> => (await fetch(`${server.url}/healthz`)).json();

  it('is closed with slow_consumer, the server stays within its memory bound, and the others keep receiving', async () => {
    const pid = (server.child as ChildProcess).pid!;
    const baseline = rssMb(pid);
    let received = 0;
    other.onEvent((e) => {
      if (e.type === 'space.reaction' || e.type === 'space.reactions') received++;
    });

    const slow = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
    await new Promise((r) => slow.once('open', r));
    const closed = new Promise<{ code: number; reason: string }>((resolve) => slow.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    slow.send(JSON.stringify({ id: 'j', type: 'space.join', params: { spaceId, displayName: 'Sleeper' } }));
    await new Promise((r) => setTimeout(r, 300));
    // Stop reading: nothing more is taken from the socket, so the kernel buffers fill, then the server's.
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();

    let maxRss = baseline;
    const reactions = setInterval(() => void host.request('reaction.send', { spaceId, reaction: '👏' }).catch(() => undefined), 50);
    try {
      // It keeps asking (each answer carries the Space and its roster) but never reads the answers.
      for (let batch = 0; batch < 200 && (await health()).slowClientsClosed === 0; batch++) {
        for (let i = 0; i < 250 && slow.readyState === WebSocket.OPEN; i++) slow.send(JSON.stringify({ id: `r${batch}-${i}`, type: 'space.join', params: { spaceId, displayName: 'Sleeper' } }));
        maxRss = Math.max(maxRss, rssMb(pid));
        await new Promise((r) => setTimeout(r, 50));
      }
      await expect.poll(async () => (await health()).slowClientsClosed, { timeout: 30_000 }).toBe(1);
      maxRss = Math.max(maxRss, rssMb(pid));
      // The others were served all along, and still are.
      const before = received;
      await expect.poll(() => received, { timeout: 10_000 }).toBeGreaterThan(before);
    } finally {
      clearInterval(reactions);
    }
    // Reading again, the client finds the reason at the end of what was queued for it.
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    const { code, reason } = await closed;
    console.info(`slow client closed ${code} "${reason}"; server RSS ${baseline.toFixed(0)} -> max ${maxRss.toFixed(0)} MB`);
    expect(code).toBe(CLOSE_CODES.slowConsumer);
    expect(reason).toMatch(/^slow_consumer: /);
    expect(maxRss - baseline).toBeLessThan(RSS_GROWTH_BOUND_MB);
    expect(received).toBeGreaterThan(10);
    await expect.poll(async () => (await health()).connections).toBe(2);
  });
});
