import type { ListenReport } from '../shared/analytics.js';
import { LISTEN_HEARTBEAT_MS } from '../shared/listenHeartbeat.js';

/**
 * Tells the server about a play it cannot see itself (HLS through a cache, the replay, a clip):
 * `start` when audio first plays, `progress` every 15 s while it plays (with the position, for
 * replay completion), `stop` when it ends, is stopped, or the page goes away. A pause just stops
 * the beats (the server ends a silent play at its last beat). The play's id is random and lives
 * only in this page: no cookie, nothing that follows the listener elsewhere.
 */
export function reportPlays(spaceId: string, via: ListenReport['via'], audio: HTMLMediaElement): { stop(): void } {
  const session = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
  let started = false;
  let stopped = false;
  let beat: ReturnType<typeof setInterval> | undefined;
  const send = (event: ListenReport['event']): void => {
    const body: ListenReport = { spaceId, via, session, event, positionMs: Math.max(0, Math.round((audio.currentTime || 0) * 1000)) };
    void fetch('/api/listens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), keepalive: true }).catch(() => undefined);
  };
  const onPlaying = (): void => {
    if (stopped) return;
    send(started ? 'progress' : 'start');
    started = true;
    clearInterval(beat);
    beat = setInterval(() => send('progress'), LISTEN_HEARTBEAT_MS);
  };
  const onPause = (): void => {
    clearInterval(beat);
    if (started && !stopped) send('progress'); // the furthest position, then silence
  };
  const stop = (): void => {
    clearInterval(beat);
    if (started && !stopped) send('stop');
    stopped = true;
    audio.removeEventListener('playing', onPlaying);
    audio.removeEventListener('pause', onPause);
    audio.removeEventListener('ended', stop);
    removeEventListener('pagehide', stop);
  };
  audio.addEventListener('playing', onPlaying);
  audio.addEventListener('pause', onPause);
  audio.addEventListener('ended', stop);
  addEventListener('pagehide', stop);
  if (!audio.paused) onPlaying(); // already playing when we were attached
  return { stop };
}
