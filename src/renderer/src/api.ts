import { i18next } from './i18n';
import { BRIDGE_PATH, BridgeFrame } from '../../shared/bridge';
import type { StudioApi } from '../../shared/ipc';
import { buildStudioApi, type StudioTransport } from '../../shared/studioApi';
import { Sentence } from './errors';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in browser mode. */
    studio?: StudioApi;
  }
}

/** Browser mode: the same contract over the web bridge's WebSocket (same origin, session cookie). */
function bridgeTransport(): StudioTransport {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${BRIDGE_PATH}`);
  const ready = new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('close', () => reject(new Sentence(i18next.t('errors.serviceUnreachable'))));
  });
  let nextId = 1;
  const pending = new Map<number, (r: unknown) => void>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  ws.addEventListener('message', (e) => {
    const frame = BridgeFrame.safeParse(JSON.parse(String(e.data)));
    if (!frame.success) return;
    if (frame.data.kind === 'result') {
      pending.get(frame.data.id)?.(frame.data.result);
      pending.delete(frame.data.id);
    } else {
      for (const fn of listeners.get(frame.data.channel) ?? []) fn(frame.data.payload);
    }
  });
  ws.addEventListener('close', () => {
    for (const resolve of pending.values()) resolve({ ok: false, error: { code: 'not_connected', message: 'the Studio service went away' } });
    pending.clear();
  });
  return {
    async invoke(channel, request) {
      await ready;
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, channel, payload: request }));
      });
    },
    subscribe(channel, listener) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  };
}

export const studio: StudioApi = window.studio ?? buildStudioApi(bridgeTransport());
