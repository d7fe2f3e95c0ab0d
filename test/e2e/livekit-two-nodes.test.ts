import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/app.js';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import { livekitBinary, newLiveKitKeys, writeLiveKitConfig } from '../../src/server/media/livekit/config.js';
import { apiClient } from '../support/apiClient.js';
import { envelope, makeSpeechWav, readWav, segmentedLoopCorrelation } from '../support/audio.js';
import { launchChromium, recordElementEnvelope } from '../support/browser.js';
import { LiveKitBot } from '../support/livekitBot.js';
import { TestMachine } from '../support/netns.js';
import { requireNetns, startTestServer, tempDir } from '../support/stack.js';

/**
 * Two livekit-server nodes sharing Redis (Debian's redis-server), each in its own network
 * namespace ("machine"), behind one Space server (issue 20). Open-source LiveKit places each room
 * on one node; Spaces land on both. One node is SIGKILLed: its rooms' participants lose their
 * media, LiveKit moves the room to the live node once the dead node's stats are stale (5 s), and
 * the listener page hears the host again without a reload.
 */
const REDIS = { host: '10.99.0.1', port: 6390 };
const NODES = [
  { name: 'lka', ip: '10.99.0.21' },
  { name: 'lkb', ip: '10.99.0.22' },
];

describe('LiveKit: two nodes with Redis, one SIGKILLed', () => {
  const keys = newLiveKitKeys();
  let redis: ChildProcess;
  const machines: TestMachine[] = [];
  const nodes: ChildProcess[] = [];
  let server: RunningServer;
  let browser: Browser;
  let listener: Page;
  const hosts: SignalingClient[] = [];
  let bot: LiveKitBot | undefined;
  let speech: ReturnType<typeof readWav>;
  let reference: number[];
  /** Space id -> the node (index) its room is on. */
  const placement = new Map<string, number>();

  const redisCli = (...args: string[]): string => execFileSync('redis-cli', ['-h', REDIS.host, '-p', String(REDIS.port), '--raw', ...args], { encoding: 'latin1' });
  /** Which node holds a room, from LiveKit's own state in Redis (room -> node id -> node record with its IP). */
  const nodeOfRoom = (room: string): number => {
    const id = redisCli('HGET', 'room_node_map', room).trim();
    if (!id) return -1;
    const record = redisCli('HGET', 'nodes', id);
    return NODES.findIndex((n) => record.includes(n.ip));
  };
  const startNode = (i: number): ChildProcess => {
    const n = NODES[i]!;
    const dir = tempDir(`lk-${n.name}`);
    const config = writeLiveKitConfig({ dir, nodeIp: n.ip, port: 7880, rtcPort: 7882, interfaces: 'eth0', ...keys, redis: `${REDIS.host}:${REDIS.port}` });
    const child = spawn('nsenter', [`--net=${machines[i]!.ns}`, livekitBinary(), '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', () => undefined);
    return child;
  };

  beforeAll(async () => {
    requireNetns();
    speech = readWav(makeSpeechWav(tempDir('lk-two'), 'host', 'Two machines carry this show. If one of them dies, you should still hear me.'));
    reference = envelope(speech);
    redis = spawn('redis-server', ['--bind', REDIS.host, '--port', String(REDIS.port), '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
    for (const n of NODES) machines.push(await TestMachine.create(n.name, n.ip));
    for (let i = 0; i < NODES.length; i++) nodes.push(startNode(i));
    for (const n of NODES) {
      for (let i = 0; !(await fetch(`http://${n.ip}:7880`).catch(() => null))?.ok; i++) {
        if (i > 200) throw new Error(`livekit-server on ${n.ip} did not start`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    server = await startTestServer({
      media: 'livekit',
      livekitUrl: `ws://${NODES[0]!.ip}:7880`,
      livekitNodes: `ws://${NODES[1]!.ip}:7880`,
      livekitApiKey: keys.apiKey,
      livekitApiSecret: keys.apiSecret,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await bot?.close();
    for (const h of hosts) h.close();
    await browser?.close();
    await server?.close();
    for (const n of nodes) n.kill('SIGKILL');
    for (const m of machines) m.destroy();
    redis?.kill('SIGKILL');
  });

  /** The host of a Space speaks through a LiveKit client; reconnects with a fresh grant when cut off. */
  async function hostSpeaks(host: SignalingClient, spaceId: string): Promise<LiveKitBot> {
    const media = await host.request('media.connect', { spaceId, as: 'stage' });
    if (media.engine !== 'livekit') throw new Error('expected LiveKit');
    const b = new LiveKitBot(media.grant);
    await b.connect();
    if ((await b.publish()) !== 'published') throw new Error('the host could not publish');
    b.send(speech);
    return b;
  }

  it('Spaces are placed on both nodes', async () => {
    for (let i = 0; i < 10 && new Set(placement.values()).size < 2; i++) {
      const host = await apiClient(server.url);
      hosts.push(host);
      await host.request('auth.register', { handle: `two_host_${i}`, displayName: `Host ${i}`, password: 'correct horse battery' });
      const spaceId = (await host.request('space.create', { title: `Space ${i}` })).space.id;
      await host.request('space.join', { spaceId });
      await host.request('media.connect', { spaceId, as: 'stage' }); // live: the room exists now
      const room = server.livekit!.media.roomName(server.spaces.mediaKeyOf(spaceId).key);
      placement.set(spaceId, nodeOfRoom(room));
    }
    console.info(`placement: ${JSON.stringify([...placement.values()])}`);
    expect(new Set(placement.values())).toEqual(new Set([0, 1]));
  });

  it('a listener of a Space on the second node hears its host; that node is SIGKILLed; the listener hears again without reload', async () => {
    const [spaceId] = [...placement].find(([, node]) => node === 1)!;
    const host = hosts[[...placement.keys()].indexOf(spaceId)]!;
    bot = await hostSpeaks(host, spaceId);
    listener = await browser.newPage();
    const navigations: string[] = [];
    listener.on('framenavigated', (f) => navigations.push(f.url()));
    await listener.goto(`${server.url}/s/${spaceId}`);
    await listener.getByRole('button', { name: 'Listen' }).click();
    const hears = async (): Promise<number> => {
      const r = segmentedLoopCorrelation(await recordElementEnvelope(listener, '#audio', 4000), reference);
      console.info(`listener: r=${r.toFixed(3)}`);
      return r;
    };
    await expect.poll(hears, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);

    const killedAt = Date.now();
    nodes[1]!.kill('SIGKILL');
    // The host's client reconnects as the Studio would: a fresh grant from the Space server.
    const watchHost = setInterval(() => {
      if (!bot?.disconnected) return;
      const old = bot;
      bot = undefined;
      void old.close();
      void hostSpeaks(host, spaceId).then(
        (b) => (bot = b),
        () => (bot = old), // try again on the next tick
      );
    }, 500);
    try {
      await expect.poll(hears, { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
    } finally {
      clearInterval(watchHost);
    }
    const room = server.livekit!.media.roomName(server.spaces.mediaKeyOf(spaceId).key);
    console.info(`heard again ${Date.now() - killedAt} ms after the SIGKILL; the room is now on node ${nodeOfRoom(room)}`);
    expect(nodeOfRoom(room)).toBe(0);
    expect(navigations).toHaveLength(1); // no reload
  });
});
