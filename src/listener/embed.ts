import { SignalingClient } from '../shared/signalingClient.js';
import { AppError } from '../shared/errors.js';
import { iceCache } from '../shared/ice.js';
import type { SpacePublic } from '../shared/space.js';
import { openListenPeer } from './media.js';
import { playHls, type HlsPlayback } from './hlsPlayer.js';
import { t, translateDocument } from './i18n.js';

/**
 * The embeddable player (/s/<id>/embed, for an iframe on another site): the live Space through
 * the audience stream as a guest, or its replay; a scheduled Space shows when, with a link to set
 * a reminder on the Space's page. The server lets other sites frame this page only.
 */
translateDocument(document);
const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const spaceId = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const audio = $<HTMLAudioElement>('audio');
const play = $<HTMLButtonElement>('play');
const notice = (s: string): void => void ($('notice').textContent = s);
$<HTMLAnchorElement>('open').href = `/s/${encodeURIComponent(spaceId)}`;

let space: SpacePublic | null = null;
let playing: { stop(): void } | null = null;
let client: SignalingClient | null = null;

function render(): void {
  if (!space) return;
  document.title = `${space.title} · Space`;
  $('state').textContent = t(`state.${space.state}`);
  $('state').dataset.state = space.state;
  $('title').textContent = space.title;
  $('host').textContent = `${t('hostedBy')} ${space.hostName} (@${space.hostHandle})`;
  play.disabled = space.state === 'scheduled';
  play.textContent = playing ? t('leave') : t('listen');
}

async function load(): Promise<void> {
  const res = await fetch(`/api/spaces/${encodeURIComponent(spaceId)}`, { cache: 'no-store' });
  if (!res.ok) return notice(t('ended'));
  const next = ((await res.json()) as { space: SpacePublic }).space;
  if (space && space.state === 'live' && next.state === 'ended') stop();
  space = next;
  render();
}

function stop(): void {
  playing?.stop();
  playing = null;
  render();
}

async function playLive(): Promise<void> {
  client ??= new SignalingClient(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`, (url) => new WebSocket(url));
  if (client.state !== 'connected') await client.connect();
  const c = client;
  const ice = iceCache(() => c.request('ice.servers', {}));
  await c.request('space.join', { spaceId, displayName: t('guestName') });
  const { sdp } = await c.request('listen.start', { spaceId });
  const pc = await openListenPeer({
    iceServers: await ice(),
    offer: sdp,
    sendAnswer: async (answer) => void (await c.request('listen.answer', { spaceId, sdp: answer })),
    onStream: (stream) => {
      audio.srcObject = stream;
      void audio.play().catch(() => notice(t('pressListen')));
    },
    onState: () => undefined,
  });
  playing = {
    stop: () => {
      pc.close();
      audio.srcObject = null;
      void c.request('space.leave', { spaceId }).catch(() => undefined);
    },
  };
}

async function playReplay(): Promise<void> {
  const hls: HlsPlayback = await playHls(audio, `/s/${encodeURIComponent(spaceId)}/hls/replay.m3u8`, { live: false });
  await audio.play().catch(() => undefined);
  playing = { stop: () => hls.destroy() };
}

play.addEventListener('click', () => {
  if (playing) return stop();
  notice('');
  void (space?.state === 'live' ? playLive() : playReplay())
    .catch((err: unknown) => notice(AppError.from(err).message))
    .finally(render);
});

void load().catch(() => notice(t('unreachable')));
setInterval(() => void load().catch(() => undefined), 5000);
