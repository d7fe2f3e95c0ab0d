import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { JanusSession } from '../../src/server/janus/client.js';
import { JanusMedia } from '../../src/server/janus/media.js';
import { JanusSupervisor } from '../../src/server/janus/supervisor.js';
import { AppError } from '../../src/shared/errors.js';
import { tempDir } from '../support/stack.js';

/** The server's Janus session handling, against a real Janus the test runs. */
describe('Janus session handling', () => {
  const janus = new JanusSupervisor({ dir: tempDir('janus'), wsHost: '127.0.0.1', wsPort: 8190, iceEnforceList: 'd0', rtpPortRange: '41000-41999' });
  let media: JanusMedia;

  beforeAll(async () => {
    janus.start();
    media = new JanusMedia({ janusUrl: janus.url, forwardHost: '127.0.0.1', prebuffer: 2, reconnectMs: 100 });
    await media.start(15_000);
  });
  afterAll(async () => {
    media?.stop();
    await janus.stop();
  });

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

  it('a room is a stage plus an audience mountpoint fed by an RTP forwarder', async () => {
    await media.openRoom({ roomId: 4242, mountpointPort: 30100 });
    const session = await JanusSession.open(janus.url);
    const bridge = await session.attach('janus.plugin.audiobridge');
    const streaming = await session.attach('janus.plugin.streaming');
    expect(await bridge.request({ request: 'exists', room: 4242 })).toMatchObject({ exists: true });
    const fwd = await bridge.request({ request: 'listforwarders', room: 4242 });
    expect(fwd.rtp_forwarders).toHaveLength(1);
    expect(await streaming.request({ request: 'info', id: 4242 })).toMatchObject({ info: { id: 4242 } });
    session.close();
  });

  it('Janus dies: the media layer reconnects to the restarted Janus and rebuilds every room', async () => {
    const down = once(media, 'down');
    const reset = once(media, 'reset');
    process.kill(janus.pid!, 'SIGKILL');
    await down;
    expect(media.isUp).toBe(false);
    await expect(media.watch(4242)).rejects.toMatchObject({ code: 'media_unavailable' });
    const [rooms] = (await reset) as [number[]];
    expect(rooms).toContain(4242);
    const session = await JanusSession.open(janus.url);
    const bridge = await session.attach('janus.plugin.audiobridge');
    expect(await bridge.request({ request: 'exists', room: 4242 })).toMatchObject({ exists: true });
    expect((await bridge.request({ request: 'listforwarders', room: 4242 })).rtp_forwarders).toHaveLength(1);
    session.close();
  });

  it('a closed room is gone from Janus and not rebuilt', async () => {
    await media.closeRoom(4242);
    const session = await JanusSession.open(janus.url);
    const bridge = await session.attach('janus.plugin.audiobridge');
    expect(await bridge.request({ request: 'exists', room: 4242 })).toMatchObject({ exists: false });
    session.close();
  });
});
