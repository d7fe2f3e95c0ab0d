import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { JanusSession } from '../../src/server/janus/client.js';
import { JanusSupervisor } from '../../src/server/janus/supervisor.js';
import { JanusMediaPool, LOCAL_NODE } from '../../src/server/media/pool.js';
import type { PeersLost } from '../../src/server/media/port.js';
import { AppError } from '../../src/shared/errors.js';
import { tempDir } from '../support/stack.js';

/** The server's Janus session handling and the media pool on one real node. */
describe('Janus session handling', () => {
  const janus = new JanusSupervisor({ dir: tempDir('janus'), wsHost: '127.0.0.1', wsPort: 8190, iceEnforceList: 'd0', rtpPortRange: '41000-41999' });
  let media: JanusMediaPool;

  beforeAll(async () => {
    janus.start();
    media = new JanusMediaPool({ prebuffer: 2, audienceLingerMs: 200 }, [
      { id: LOCAL_NODE, url: janus.url, mediaAddress: '127.0.0.1', forwardPorts: [30100, 30199], cap: 100, reconnectMs: 100 },
    ]);
    await media.start(15_000);
  });
  afterAll(async () => {
    media?.stop();
    await janus.stop();
  });

  const inJanus = async <T>(fn: (bridge: Awaited<ReturnType<JanusSession['attach']>>, streaming: Awaited<ReturnType<JanusSession['attach']>>) => Promise<T>): Promise<T> => {
    const session = await JanusSession.open(janus.url);
    try {
      return await fn(await session.attach('janus.plugin.audiobridge'), await session.attach('janus.plugin.streaming'));
    } finally {
      session.close();
    }
  };

  it('a session attaches plugins; plugin errors come back as typed errors', async () => {
    const session = await JanusSession.open(janus.url);
    const bridge = await session.attach('janus.plugin.audiobridge');
    expect(await bridge.request({ request: 'exists', room: 987654 })).toMatchObject({ exists: false });
    const err = await bridge.request({ request: 'destroy', room: 987654 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('media_unavailable');
    expect((err as AppError).message).toMatch(/No such room|485/);
    const bad = await session.attach('janus.plugin.nope').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AppError);
    session.close();
    await expect(bridge.request({ request: 'list' })).rejects.toMatchObject({ code: 'media_unavailable' });
  });

  it('cannot reach Janus: a clear typed error', async () => {
    await expect(JanusSession.open('ws://127.0.0.1:1')).rejects.toMatchObject({ code: 'media_unavailable' });
  });

  it('a stage is an AudioBridge room; its first listener brings a mountpoint fed by a forward, its last takes it away', async () => {
    await media.openStage(4242);
    expect(await inJanus((bridge) => bridge.request({ request: 'exists', room: 4242 }))).toMatchObject({ exists: true });
    expect((await inJanus((bridge) => bridge.request({ request: 'listforwarders', room: 4242 }))).rtp_forwarders).toHaveLength(0);
    const { offer, peer } = await media.listen(4242);
    expect(offer).toContain('opus');
    expect(media.nodes()[0]).toMatchObject({ id: LOCAL_NODE, up: true, listeners: 1, stages: 1 });
    expect((await inJanus((bridge) => bridge.request({ request: 'listforwarders', room: 4242 }))).rtp_forwarders).toHaveLength(1);
    expect(await inJanus((_b, streaming) => streaming.request({ request: 'info', id: 4242 }))).toMatchObject({ info: { id: 4242 } });
    await peer.close();
    expect(media.nodes()[0]!.listeners).toBe(0);
    // After the linger, the mountpoint and its forward are gone.
    await expect
      .poll(async () => (await inJanus((bridge) => bridge.request({ request: 'listforwarders', room: 4242 }))).rtp_forwarders, { timeout: 5000 })
      .toHaveLength(0);
    await expect(inJanus((_b, streaming) => streaming.request({ request: 'info', id: 4242 }))).rejects.toMatchObject({ code: 'media_unavailable' });
  });

  it('Janus dies: the stage comes back on the restarted node and its listeners are told to renegotiate', async () => {
    const { peer } = await media.listen(4242);
    const lost = once(media, 'lost') as Promise<[PeersLost]>;
    const reset = once(media, 'stageReset');
    process.kill(janus.pid!, 'SIGKILL');
    await expect.poll(() => media.isUp, { timeout: 5000 }).toBe(false);
    await expect(media.listen(4242)).rejects.toMatchObject({ code: expect.stringMatching(/media_unavailable|audience_full/) });
    const [{ peers }] = await lost;
    await reset;
    expect(peers).toContain(peer);
    expect(await inJanus((bridge) => bridge.request({ request: 'exists', room: 4242 }))).toMatchObject({ exists: true });
    // A new listener gets a mountpoint and a forward again.
    const again = await media.listen(4242);
    expect((await inJanus((bridge) => bridge.request({ request: 'listforwarders', room: 4242 }))).rtp_forwarders).toHaveLength(1);
    await again.peer.close();
  });

  it('a tap receives the stage mix wherever the stage is; a closed stage is gone from Janus', async () => {
    const forwarders = async (): Promise<unknown> => (await inJanus((bridge) => bridge.request({ request: 'listforwarders', room: 4242 }))).rtp_forwarders;
    await expect.poll(forwarders, { timeout: 5000 }).toHaveLength(0); // the last listener's mountpoint lingered
    await media.addTap(4242, { id: 'rec', host: '127.0.0.1', port: 30190 });
    expect((await inJanus((bridge) => bridge.request({ request: 'listforwarders', room: 4242 }))).rtp_forwarders).toHaveLength(1);
    await expect(media.addTap(4242, { id: 'rec', host: '127.0.0.1', port: 30192 })).rejects.toMatchObject({ code: 'conflict' });
    await media.removeTap(4242, 'rec');
    expect((await inJanus((bridge) => bridge.request({ request: 'listforwarders', room: 4242 }))).rtp_forwarders).toHaveLength(0);
    await media.closeStage(4242);
    expect(await inJanus((bridge) => bridge.request({ request: 'exists', room: 4242 }))).toMatchObject({ exists: false });
    await expect(media.listen(4242)).rejects.toMatchObject({ code: 'invalid_state' });
  });
});
