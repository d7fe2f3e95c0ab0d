import { describe, expect, it } from 'vitest';
import { ipcCalls, ipcEvents, relayedIpcEvents, Settings } from './ipc.js';
import { buildStudioApi } from './studioApi.js';
import { AppError } from './errors.js';

describe('Studio IPC contract', () => {
  it('every channel is named once', () => {
    const channels = [...Object.values(ipcCalls), ...Object.values(ipcEvents)].map((c) => c.channel);
    expect(new Set(channels).size).toBe(channels.length);
  });

  it('a relayed event takes its own server event, as the signaling contract defines it, and nothing else', () => {
    const speaking = { type: 'space.speaking', spaceId: 'abcdefghij', memberId: 'a_hostxx', speaking: true };
    expect(relayedIpcEvents.onSpeaking.payload.parse(speaking)).toEqual(speaking);
    // Another server event, or this one not matching the signaling schema, is refused.
    expect(relayedIpcEvents.onSpeaking.payload.safeParse({ type: 'media.reset', spaceId: 'abcdefghij', reason: 'x' }).success).toBe(false);
    expect(relayedIpcEvents.onMediaReset.payload.safeParse({ type: 'media.reset', spaceId: 'abcdefghij', reason: 'x' }).success).toBe(true);
    expect(relayedIpcEvents.onSpeaking.payload.safeParse({ ...speaking, speaking: 'yes' }).success).toBe(false);
  });

  it('settings only accept http(s) server URLs and bounded names', () => {
    const ok = { serverUrl: 'http://127.0.0.1:8080', hostName: 'Ann', micDeviceId: null, monitorDeviceId: null };
    expect(Settings.safeParse(ok).success).toBe(true);
    expect(Settings.safeParse({ ...ok, serverUrl: 'javascript:alert(1)' }).success).toBe(false);
    expect(Settings.safeParse({ ...ok, serverUrl: 'file:///etc/passwd' }).success).toBe(false);
    expect(Settings.safeParse({ ...ok, hostName: '' }).success).toBe(false);
  });

  it('the built API reaches only contract channels, rethrows typed errors and rejects malformed responses', async () => {
    const seen: string[] = [];
    const api = buildStudioApi({
      invoke: async (channel) => {
        seen.push(channel);
        if (channel === 'space:create') return { ok: false, error: { code: 'not_connected', message: 'connect first' } };
        if (channel === 'server:status') return { ok: true, value: { state: 'bogus' } };
        return { ok: true, value: { onAir: true } };
      },
      subscribe: () => () => undefined,
    });
    await expect(api.setOnAir({ onAir: true })).resolves.toEqual({ onAir: true });
    const err = await api.createSpace({ title: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('not_connected');
    await expect(api.getStatus({})).rejects.toThrow();
    expect(seen).toEqual(['session:on-air', 'space:create', 'server:status']);
    expect(Object.keys(api).sort()).toEqual([...Object.keys(ipcCalls), ...Object.keys(ipcEvents)].sort());
  });
});
