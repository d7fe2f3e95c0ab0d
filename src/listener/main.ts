import { SignalingClient } from '../shared/signalingClient.js';
import type { SpacePublic } from '../shared/space.js';
import { AppError } from '../shared/errors.js';
import { waitForIceGathering } from '../shared/webrtc.js';

/**
 * The listener page at /s/<id>: shows the Space and plays its audience stream (a Janus
 * Streaming mountpoint fed by the stage mix). If the media server restarts, the server sends
 * `media.reset` and the page negotiates again by itself: the listener pressed Listen once, and
 * keeps listening without reloading.
 */
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const ui = {
  state: $('state'),
  title: $('title'),
  host: $<HTMLElement>('host'),
  listeners: $('listeners'),
  listen: $<HTMLButtonElement>('listen'),
  notice: $('notice'),
  audio: $<HTMLAudioElement>('audio'),
};

const spaceId = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const client = new SignalingClient(wsUrl, (url) => new WebSocket(url));

let space: SpacePublic | undefined;
let wantsToListen = false;
let pc: RTCPeerConnection | undefined;
let negotiating = false;

const STATE_TEXT: Record<SpacePublic['state'], string> = { scheduled: 'Scheduled', live: 'Live', ended: 'Ended' };

function render(): void {
  if (!space) return;
  document.title = `${space.title} · Space`;
  ui.state.textContent = STATE_TEXT[space.state];
  ui.state.dataset.state = space.state;
  ui.title.textContent = space.title;
  ui.host.textContent = space.hostName;
  ui.listeners.textContent = String(space.listenerCount);
  const ended = space.state === 'ended';
  ui.listen.disabled = ended || client.state !== 'connected';
  ui.listen.textContent = wantsToListen ? 'Stop listening' : 'Listen';
  if (ended) notice('This Space has ended.');
  else if (wantsToListen && space.state === 'scheduled') notice('Waiting for the host to go live…');
  else if (wantsToListen && pc?.connectionState === 'connected') notice('');
}

function notice(text: string): void {
  ui.notice.textContent = text;
}

function hangUp(): void {
  pc?.close();
  pc = undefined;
  ui.audio.srcObject = null;
}

async function startListening(): Promise<void> {
  if (negotiating || !space || space.state === 'ended') return;
  negotiating = true;
  hangUp();
  try {
    const { sdp: offer } = await client.request('listen.start', { spaceId });
    const peer = new RTCPeerConnection({ iceServers: [] });
    pc = peer;
    peer.ontrack = (e) => {
      ui.audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      void ui.audio.play().catch(() => notice('Press Listen again to allow sound.'));
    };
    peer.onconnectionstatechange = () => {
      if (peer !== pc) return;
      if (peer.connectionState === 'failed') notice('The audio connection failed; reconnecting…');
      render();
    };
    await peer.setRemoteDescription({ type: 'offer', sdp: offer });
    await peer.setLocalDescription(await peer.createAnswer());
    await waitForIceGathering(peer);
    await client.request('listen.answer', { spaceId, sdp: peer.localDescription!.sdp });
    render();
  } catch (err) {
    hangUp();
    const e = AppError.from(err);
    notice(e.code === 'media_unavailable' ? 'The audio service is restarting; retrying…' : e.message);
    if (wantsToListen && e.code !== 'invalid_state') setTimeout(() => void resume(), 500);
  } finally {
    negotiating = false;
  }
}

async function resume(): Promise<void> {
  if (wantsToListen && client.state === 'connected' && space?.state !== 'ended') await startListening();
}

ui.listen.addEventListener('click', () => {
  wantsToListen = !wantsToListen;
  if (wantsToListen) void startListening();
  else {
    hangUp();
    void client.request('listen.stop', { spaceId }).catch(() => undefined);
    notice('');
  }
  render();
});

client.onEvent((e) => {
  if (e.type === 'space.updated' && e.space.id === spaceId) {
    space = e.space;
    if (space.state === 'ended') {
      wantsToListen = false;
      hangUp();
    }
    render();
  } else if (e.type === 'media.reset' && e.spaceId === spaceId && wantsToListen) {
    notice('Reconnecting the audio…');
    void startListening();
  }
});

client.onState((state) => {
  if (state === 'connected') {
    void watch().then(resume);
  } else if (state === 'disconnected') {
    notice('Connection to the server lost; reconnecting…');
  }
  render();
});

async function watch(): Promise<void> {
  try {
    ({ space } = await client.request('space.watch', { spaceId }));
    render();
  } catch (err) {
    notice(AppError.from(err).message);
  }
}

void client.connect().catch(() => notice('Cannot reach the server; retrying…'));
