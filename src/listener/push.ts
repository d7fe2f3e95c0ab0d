import type { SignalingClient } from '../shared/signalingClient.js';

export type PushState = 'on' | 'denied' | 'unavailable';

/** Registers the site's service worker (no permission asked: that waits for a reminder or a follow). */
export function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (!('serviceWorker' in navigator)) return Promise.resolve(null);
  return navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => null);
}

const b64urlToBytes = (s: string): Uint8Array<ArrayBuffer> => {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
};

/**
 * Called when the person sets a reminder or follows someone (never earlier): asks permission to
 * notify, subscribes this browser with the server's VAPID key and stores the subscription with
 * their account. Says what came of it; a browser without a reachable push service stays usable.
 */
export async function enablePush(client: SignalingClient): Promise<PushState> {
  if (typeof Notification === 'undefined' || !('serviceWorker' in navigator) || !('PushManager' in window)) return 'unavailable';
  const permission = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
  if (permission !== 'granted') return 'denied';
  try {
    const reg = (await registerServiceWorker()) ?? (await navigator.serviceWorker.ready);
    const { publicKey } = await client.request('push.key', {});
    const sub = (await reg.pushManager.getSubscription()) ?? (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64urlToBytes(publicKey) }));
    const json = sub.toJSON() as { endpoint: string; expirationTime?: number | null; keys: { p256dh: string; auth: string } };
    await client.request('push.subscribe', { subscription: { endpoint: json.endpoint, expirationTime: json.expirationTime ?? null, keys: json.keys } });
    return 'on';
  } catch {
    // No push service reachable (e.g. a browser without one, or offline): reminders still reach
    // the person by email and the calendar feed.
    return 'unavailable';
  }
}
