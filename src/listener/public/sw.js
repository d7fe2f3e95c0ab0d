/*
 * The Space server's service worker (issue 21): shows reminders and go-live alerts pushed by the
 * server (Web Push) while no page of the site is open, and opens the Space when the notification
 * is clicked. The payload is the server's PushPayload (src/shared/reach.ts), decrypted by the browser.
 */
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let data = null;
  try {
    data = event.data ? event.data.json() : null;
  } catch {
    data = null;
  }
  if (!data || typeof data.title !== 'string' || typeof data.url !== 'string') {
    // A push must show something (userVisibleOnly); an unreadable one says so plainly.
    event.waitUntil(self.registration.showNotification('Spaces', { body: 'Something you follow has news.', data: { url: '/' } }));
    return;
  }
  const url = new URL(data.url, self.location.origin);
  // Only our own pages open from a notification.
  const target = url.origin === self.location.origin ? url.href : new URL('/', self.location.origin).href;
  event.waitUntil(
    self.registration.showNotification(data.title, {
      body: typeof data.body === 'string' ? data.body : '',
      tag: typeof data.tag === 'string' ? data.tag : undefined,
      renotify: true,
      data: { url: target, spaceId: data.spaceId, kind: data.kind },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/';
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((w) => new URL(w.url).pathname === new URL(url).pathname);
      if (open) return open.focus();
      return self.clients.openWindow(url);
    })(),
  );
});
