import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/app.js';
import { DEBIAN_JANUS_LIB, writeJanusConfig } from '../../src/server/janus/config.js';
import { LOCAL_NODE } from '../../src/server/media/pool.js';
import { envelope, makeSpeechWav, readWav, rms, segmentedLoopCorrelation } from '../support/audio.js';
import { apiClient } from '../support/apiClient.js';
import { launchChromium, recordElementEnvelope } from '../support/browser.js';
import { TestMachine } from '../support/netns.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { createSpaceInStudio, registerInStudio } from '../support/studioPage.js';

const SILENCE_RMS = 0.003;
const CAP = 2;
const METRICS_TOKEN = 'media-nodes-metrics-token-0123';

/** One sample of a scrape, e.g. sample(text, 'spaces_webrtc_listeners', { node: 'local' }); null when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return null;
}

/** A Janus of its own on another machine (network namespace), as an operator would run an edge. */
function startEdgeJanus(machine: TestMachine): ChildProcess {
  const dir = tempDir(`janus-${machine.name}`);
  const config = writeJanusConfig({
    dir,
    wsHost: machine.ip,
    wsPort: 8188,
    iceEnforceList: 'eth0',
    rtpPortRange: '20000-20999',
    eventLoops: 1,
    pluginsFolder: join(DEBIAN_JANUS_LIB, 'plugins'),
    transportsFolder: join(DEBIAN_JANUS_LIB, 'transports'),
  });
  return spawn('nsenter', [`--net=${machine.ns}`, 'janus', '-F', dir, '-C', config, '-o'], { stdio: 'ignore' });
}

/**
 * Issue 11: one Space, three Janus nodes on three machines (the server's own, two edges). The
 * stage stays on the server's node; each node with listeners gets the mix by RTP forward. Listeners
 * are placed under a per-node cap; an edge that dies loses only its own listeners, who are placed
 * elsewhere and hear again without a reload, while the others keep listening.
 */
describe('a Space on three media nodes', () => {
  let server: RunningServer;
  let studio: Awaited<ReturnType<typeof startTestStudio>>;
  const machines: TestMachine[] = [];
  const edges: ChildProcess[] = [];
  let browser: Browser;
  let host: Page;
  let reference: number[];
  let listenerUrl = '';
  const listeners: { page: Page; node: string }[] = [];

  beforeAll(async () => {
    requireNetns();
    const wav = makeSpeechWav(tempDir('nodes-audio'), 'host', 'One stage, many nodes. Every listener hears the same voice, wherever the server put them.');
    reference = envelope(readWav(wav));
    for (const [name, ip] of [
      ['ed1', '10.99.0.21'],
      ['ed2', '10.99.0.22'],
    ] as const) {
      const m = await TestMachine.create(name, ip);
      machines.push(m);
      edges.push(startEdgeJanus(m));
    }
    server = await startTestServer({
      janusWsPort: 8192,
      host: '10.99.0.1',
      forwardHost: '10.99.0.1',
      nodeCap: CAP,
      metricsToken: METRICS_TOKEN,
      janusEdges: machines.map((m) => `ws://${m.ip}:8188#${m.ip}`).join(','),
    });
    studio = await startTestStudio(server.url);
    browser = await launchChromium({ micWav: wav });
    host = await (await browser.newContext()).newPage();
    await host.goto(studio.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await studio?.close();
    await server?.close();
    for (const e of edges) e.kill('SIGKILL');
    for (const m of machines) m.destroy();
  });

  const placed = (): Record<string, number> => Object.fromEntries(server.media.nodes().map((n) => [n.id, n.listeners]));

  async function hears(page: Page, ms = 5000): Promise<{ r: number; level: number }> {
    const received = await recordElementEnvelope(page, '#audio', ms);
    return { r: segmentedLoopCorrelation(received, reference), level: rms(received) };
  }

  it('three nodes are up; the host goes live', async () => {
    await expect.poll(() => server.media.nodes().filter((n) => n.up).length, { timeout: 20_000 }).toBe(3);
    await registerInStudio(host, 'nodes_host', 'Host');
    listenerUrl = await createSpaceInStudio(host, 'Many nodes');
    await host.getByRole('button', { name: 'Go live' }).click();
    await expect.poll(() => host.getByTestId('space-state').textContent()).toBe('live');
  });

  it('listeners are spread over the nodes under the cap, and every one of them hears the host', async () => {
    for (let i = 0; i < 4; i++) {
      const before = placed();
      const page = await (await browser.newContext()).newPage();
      await page.goto(listenerUrl);
      await page.getByRole('button', { name: 'Listen' }).click();
      await expect.poll(() => Object.values(placed()).reduce((a, b) => a + b, 0), { timeout: 15_000 }).toBe(i + 1);
      const after = placed();
      const node = Object.keys(after).find((id) => after[id]! > (before[id] ?? 0))!;
      listeners.push({ page, node });
    }
    const perNode = placed();
    console.info(`placement: ${JSON.stringify(perNode)}`);
    expect(Math.max(...Object.values(perNode))).toBeLessThanOrEqual(CAP);
    expect(new Set(listeners.map((l) => l.node)).size).toBeGreaterThanOrEqual(2);
    expect(server.media.nodes().find((n) => n.id === LOCAL_NODE)!.stages).toBe(1);
    // Each listener in turn (recording four at once on this shared, busy machine distorts the measure).
    for (const l of listeners) {
      await expect.poll(async () => (await hears(l.page)).r, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(0.8);
    }
  });

  it('an operator scraping /metrics finds the listeners per Space and per media node', async () => {
    const spaceId = listenerUrl.split('/').pop()!;
    const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const perNode = placed();
    expect(sample(text, 'spaces_live')).toBe(1);
    expect(sample(text, 'spaces_listeners', { space: spaceId })).toBe(listeners.length);
    for (const [node, n] of Object.entries(perNode)) {
      expect(sample(text, 'spaces_media_node_listeners', { node })).toBe(n);
      expect(sample(text, 'spaces_webrtc_listeners', { space: spaceId, node }) ?? 0).toBe(n);
      expect(sample(text, 'spaces_media_node_up', { node })).toBe(1);
    }
    expect(Object.values(perNode).filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'spaces_joins_total', { kind: 'listen' })).toBeGreaterThanOrEqual(listeners.length);
    expect(sample(text, 'spaces_media_node_stages', { node: LOCAL_NODE })).toBe(1);
  });

  it('over every cap the server says the audience is full (listener K+1 of the last node is refused, not squeezed in)', async () => {
    const guests = [];
    const free = server.media.nodes().reduce((n, x) => n + (x.cap - x.listeners), 0);
    const { space } = await (await apiClient(server.url)).request('space.watch', { spaceId: listenerUrl.split('/').pop()! });
    for (let i = 0; i < free; i++) {
      const g = await apiClient(server.url);
      await g.request('space.join', { spaceId: space.id, displayName: `Filler ${i}` });
      await g.request('listen.start', { spaceId: space.id });
      guests.push(g);
    }
    expect(server.media.nodes().every((n) => n.listeners === n.cap)).toBe(true);
    const late = await apiClient(server.url);
    await late.request('space.join', { spaceId: space.id, displayName: 'Late' });
    await expect(late.request('listen.start', { spaceId: space.id })).rejects.toMatchObject({ code: 'audience_full' });
    const scraped = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(sample(scraped, 'spaces_join_refusals_total', { kind: 'listen', code: 'audience_full' })).toBe(1);
    for (const g of [...guests, late]) g.close();
    await expect.poll(() => Object.values(placed()).reduce((a, b) => a + b, 0), { timeout: 10_000 }).toBe(listeners.length);
  });

  it('an edge is SIGKILLed: its listeners hear again on another node within 3 s, the others are not interrupted', async () => {
    const victim = listeners.find((l) => l.node !== LOCAL_NODE)!;
    const edgeIndex = machines.findIndex((m) => victim.node.includes(m.ip));
    const moved = listeners.filter((l) => l.node === victim.node);
    const stayed = listeners.filter((l) => l.node !== victim.node);
    const navigations: string[] = [];
    for (const l of listeners) l.page.on('framenavigated', (f) => navigations.push(f.url()));
    // Not interrupted = the same audio stream plays on, with sound, while the edge dies.
    for (const l of stayed) await l.page.evaluate(() => ((window as unknown as { before: unknown }).before = (document.querySelector('#audio') as HTMLAudioElement).srcObject));
    const during = Promise.all(stayed.map((l) => hears(l.page, 4000)));
    await new Promise((r) => setTimeout(r, 500));
    const killedAt = Date.now();
    edges[edgeIndex]!.kill('SIGKILL');
    const backAfter = await Promise.all(
      moved.map(async (l) => {
        for (;;) {
          const { level } = await hears(l.page, 250);
          if (level > SILENCE_RMS * 3) return Date.now() - killedAt;
          if (Date.now() - killedAt > 15_000) return Infinity;
        }
      }),
    );
    console.info(`moved listeners heard again after ${backAfter.join(', ')} ms; placement now ${JSON.stringify(placed())}`);
    for (const ms of backAfter) expect(ms).toBeLessThanOrEqual(3000);
    for (const h of await during) expect(h.level).toBeGreaterThan(SILENCE_RMS * 3);
    for (const l of stayed) {
      expect(await l.page.evaluate(() => (window as unknown as { before: unknown }).before === (document.querySelector('#audio') as HTMLAudioElement).srcObject)).toBe(true);
    }
    expect(placed()[victim.node] ?? 0).toBe(0);
    // And what everyone hears now is the host.
    for (const l of listeners) {
      await expect.poll(async () => (await hears(l.page)).r, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(0.8);
    }
    expect(navigations).toEqual([]);
  });
});
