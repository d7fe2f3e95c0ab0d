import { SignalingClient } from '../shared/signalingClient.js';
import { REACTIONS, type Member, type Reaction, type Roster, type SelfState, type SpacePublic } from '../shared/space.js';
import type { AccountPublic } from '../shared/account.js';
import { AppError } from '../shared/errors.js';
import { openListenPeer, openLiveKitLink, openStagePeer, type MediaLink } from './media.js';
import { iceCache } from '../shared/ice.js';
import { mountCaptions } from './captions.js';
import { mountSchedule } from './schedule.js';
import { registerServiceWorker } from './push.js';
import { mountRecording } from './recording.js';
import { t, translateDocument } from './i18n.js';
import { reactionSvg } from '../shared/reactionGlyphs.js';
import { isOnStageRole } from '../shared/roles.js';

translateDocument(document);
// The service worker shows reminders pushed while no page is open (permission is asked only later).
void registerServiceWorker();

/**
 * The listener page at /s/<id>. A visitor watches the Space; pressing Listen joins it (as
 * themselves if signed in, else as a guest) and plays the audience stream. Signed-in listeners
 * can request to speak or accept an invitation; on stage the page sends their microphone to the
 * stage instead and plays the stage mix. If the media server restarts (`media.reset`) or the
 * member's role changes, the page negotiates again by itself: no reload, no second click.
 */
const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const ui = {
  state: $('state'),
  title: $('title'),
  host: $('host'),
  listeners: $('listeners'),
  stage: $('stage'),
  listen: $<HTMLButtonElement>('listen'),
  notice: $('notice'),
  audio: $<HTMLAudioElement>('audio'),
  speaker: $('speaker'),
  mic: $<HTMLButtonElement>('mic'),
  leaveStage: $<HTMLButtonElement>('leave-stage'),
  invite: $('invite'),
  accept: $<HTMLButtonElement>('accept'),
  decline: $<HTMLButtonElement>('decline'),
  memberActions: $('member-actions'),
  request: $<HTMLButtonElement>('request'),
  reactions: $('reactions'),
  feed: $('reaction-feed'),
  account: $<HTMLDetailsElement>('account'),
  accountSummary: $('account-summary'),
  signin: $<HTMLFormElement>('signin'),
  register: $<HTMLFormElement>('register'),
  signout: $<HTMLButtonElement>('signout'),
};

const TOKEN_KEY = 'spaces.session';
const spaceId = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const client = new SignalingClient(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`, (url) => new WebSocket(url));

let space: SpacePublic | undefined;
let roster: Roster | undefined;
let self: SelfState | undefined;
let account: AccountPublic | null = null;
let wantsToListen = false;
let removed = false;
let pc: MediaLink | undefined;
let pcKind: 'listen' | 'stage' | undefined;
let mic: MediaStream | undefined;
let negotiating = false;
let renegotiateAgain = false;

const STATE_TEXT = (s: SpacePublic['state']): string => t(`state.${s}`);
const ROLE_TEXT = (r: Member['role']): string => t(`roles.${r}`);
const onStageRole = (): boolean => !!self && isOnStageRole(self.role);

function notice(text: string): void {
  ui.notice.textContent = text;
}

function render(): void {
  if (!space) return;
  document.title = `${space.title} · Space`;
  ui.state.textContent = STATE_TEXT(space.state);
  ui.state.dataset.state = space.state;
  ui.title.textContent = space.title;
  ui.host.textContent = space.hostName;
  ui.listeners.textContent = new Intl.NumberFormat(document.documentElement.lang).format(space.listenerCount);
  const ended = space.state === 'ended';
  const joined = !!self && !removed && !ended;
  ui.listen.disabled = ended || removed || client.state !== 'connected';
  ui.listen.textContent = wantsToListen ? t('leave') : t('listen');
  ui.listen.hidden = joined && onStageRole();
  ui.speaker.hidden = !joined || !onStageRole();
  ui.mic.textContent = self?.muted ? t('unmute') : t('mute');
  ui.invite.hidden = !joined || !self?.invited || onStageRole();
  ui.memberActions.hidden = !joined || onStageRole();
  ui.request.textContent = !account ? t('signInToRequest') : self?.requested ? t('cancelRequest') : t('request');
  ui.reactions.hidden = !joined;
  ui.accountSummary.textContent = account ? t('signedInAs', { handle: account.handle }) : t('signInToSpeak');
  ui.signin.hidden = ui.register.hidden = !!account;
  ui.signout.hidden = !account;
  renderStage();
  if (removed) notice(t('removed'));
  else if (ended) notice(t('ended'));
  else if (wantsToListen && space.state === 'scheduled') notice(t('waiting'));
  else if (pc?.connectionState === 'connected' && ui.notice.dataset.sticky !== 'true') notice('');
}

function renderStage(): void {
  const members = roster?.stage ?? [];
  ui.stage.replaceChildren(
    ...members.map((m) => {
      const li = document.createElement('li');
      li.dataset.testid = `member-${m.id}`;
      li.dataset.speaking = String(m.speaking);
      const avatar = document.createElement('span');
      avatar.className = 'avatar';
      avatar.textContent = m.displayName.slice(0, 1).toUpperCase();
      const name = document.createElement('span');
      name.textContent = m.displayName + (m.muted ? ` (${t('muted')})` : '');
      const role = document.createElement('span');
      role.className = 'role';
      role.textContent = ROLE_TEXT(m.role);
      li.append(avatar, name, role);
      return li;
    }),
  );
}

function hangUp(): void {
  recording.stopHls();
  pc?.close();
  pc = undefined;
  pcKind = undefined;
  ui.audio.srcObject = null;
}

function releaseMic(): void {
  for (const t of mic?.getTracks() ?? []) t.stop();
  mic = undefined;
}

/** Brings the media in line with what the member wants and may do: stage, audience, or nothing. */
async function syncMedia(): Promise<void> {
  if (negotiating) {
    renegotiateAgain = true;
    return;
  }
  negotiating = true;
  try {
    do {
      renegotiateAgain = false;
      const want = !wantsToListen || removed || !self || space?.state === 'ended' ? undefined : onStageRole() ? 'stage' : 'listen';
      if (want === pcKind && pc && pc.connectionState !== 'failed' && pc.connectionState !== 'closed') continue;
      if (want === 'listen' && pcKind === 'listen' && recording.playingHls() && recording.wantsHls()) continue;
      hangUp();
      if (want !== 'stage') releaseMic();
      if (want === 'listen') await startListening();
      else if (want === 'stage') await joinStage();
    } while (renegotiateAgain);
  } catch (err) {
    hangUp();
    const e = AppError.from(err);
    notice(e.code === 'media_unavailable' ? t('audioRestarting') : e.message);
    // What we may do changed while this attempt failed (a role change racing a dropped link): try that now.
    if (renegotiateAgain) setTimeout(() => void syncMedia(), 0);
    else if (wantsToListen && !['invalid_state', 'forbidden'].includes(e.code)) setTimeout(() => void syncMedia(), 500);
  } finally {
    negotiating = false;
  }
  render();
}

const onPeerState = (peer: MediaLink) => (state: RTCPeerConnectionState) => {
  if (peer !== pc) return;
  if (state === 'failed') {
    notice(t('audioFailed'));
    void syncMedia();
  } else if (state === 'disconnected') {
    // Give ICE a moment to recover by itself, then negotiate afresh.
    setTimeout(() => {
      if (peer === pc && pc.connectionState === 'disconnected') {
        notice(t('audioReconnecting'));
        hangUp();
        void syncMedia();
      }
    }, 3000);
  }
  render();
};

/** TURN credentials for our peer connections, fetched when needed and before they run out. */
const iceServers = iceCache(() => client.request('ice.servers', {}));

async function startListening(): Promise<void> {
  if (recording.wantsHls()) {
    // HLS: the recording's live playlist through any HTTP cache, a few seconds behind.
    await recording.startHls(ui.audio);
    pcKind = 'listen';
    return;
  }
  const full = (err: unknown): null => {
    if (AppError.from(err).code !== 'audience_full') throw err;
    recording.audienceFull();
    return null;
  };
  // LiveKit (issue 20): the server hands out a grant and the page connects itself.
  const media = await client.request('media.connect', { spaceId, as: 'listen' }).catch(full);
  if (!media) return startListening();
  if (media.engine === 'livekit') {
    let link: MediaLink | undefined;
    link = await openLiveKitLink({ grant: media.grant, onStream: (stream) => play(stream), onState: (s) => link && onPeerState(link)(s) });
    pc = link;
    pcKind = 'listen';
    return;
  }
  const ice = await iceServers();
  const started = await client.request('listen.start', { spaceId }).catch(full);
  if (!started) return startListening();
  const offer = started.sdp;
  let peer: RTCPeerConnection | undefined;
  peer = await openListenPeer({
    iceServers: ice,
    offer,
    sendAnswer: async (sdp) => void (await client.request('listen.answer', { spaceId, sdp })),
    onStream: (stream) => play(stream),
    onState: (s) => peer && onPeerState(peer)(s),
  });
  pc = peer;
  pcKind = 'listen';
}

async function joinStage(): Promise<void> {
  mic ??= await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  const media = await client.request('media.connect', { spaceId, as: 'stage' });
  if (media.engine === 'livekit') {
    let link: MediaLink | undefined;
    link = await openLiveKitLink({ grant: media.grant, mic, onStream: (stream) => play(stream), onState: (s) => link && onPeerState(link)(s) });
    pc = link;
    pcKind = 'stage';
    return;
  }
  let peer: RTCPeerConnection | undefined;
  peer = await openStagePeer({
    iceServers: await iceServers(),
    mic,
    negotiate: async (sdp) => (await client.request('stage.join', { spaceId, sdp })).sdp,
    onStream: (stream) => play(stream),
    onState: (s) => peer && onPeerState(peer)(s),
  });
  pc = peer;
  pcKind = 'stage';
}

function play(stream: MediaStream): void {
  ui.audio.srcObject = stream;
  void ui.audio.play().catch(() => notice(t('pressListen')));
}

async function act(what: () => Promise<unknown>): Promise<void> {
  try {
    await what();
  } catch (err) {
    notice(AppError.from(err).message);
  }
}

// ---- controls ----

ui.listen.addEventListener('click', () =>
  act(async () => {
    if (wantsToListen) {
      wantsToListen = false;
      hangUp();
      releaseMic();
      await client.request('space.leave', { spaceId }).catch(() => undefined);
      self = undefined;
      notice('');
    } else {
      wantsToListen = true;
      const joined = await client.request('space.join', { spaceId, ...(account ? {} : { displayName: t('guestName') }) });
      ({ space, self, roster } = joined);
      recording.permissionsChanged();
      await syncMedia();
    }
    render();
  }),
);

ui.request.addEventListener('click', () =>
  act(async () => {
    if (!account) {
      ui.account.open = true;
      return;
    }
    await client.request(self?.requested ? 'request.cancel' : 'request.raise', { spaceId });
  }),
);
ui.accept.addEventListener('click', () => act(() => client.request('invite.accept', { spaceId })));
ui.decline.addEventListener('click', () => act(() => client.request('invite.decline', { spaceId })));
ui.mic.addEventListener('click', () =>
  act(() => (self?.muted ? client.request('member.unmute', { spaceId }) : client.request('member.mute', { spaceId, memberId: self!.memberId }))),
);
ui.leaveStage.addEventListener('click', () => act(() => client.request('stage.toAudience', { spaceId, memberId: self!.memberId })));

for (const reaction of REACTIONS) {
  const b = document.createElement('button');
  b.type = 'button';
  b.append(reactionSvg(document, reaction));
  b.setAttribute('aria-label', t('react', { reaction }));
  b.addEventListener('click', () => act(() => client.request('reaction.send', { spaceId, reaction })));
  ui.reactions.append(b);
}

function formValues(form: HTMLFormElement): Record<string, string> {
  return Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, String(v)]));
}

async function afterSignIn(signedIn: { account: AccountPublic; token: string }): Promise<void> {
  localStorage.setItem(TOKEN_KEY, signedIn.token);
  account = signedIn.account;
  ui.account.open = false;
  // Re-enter the Space as yourself.
  if (self) {
    hangUp();
    await client.request('space.leave', { spaceId }).catch(() => undefined);
    ({ space, self, roster } = await client.request('space.join', { spaceId }));
    await syncMedia();
  }
  // What the controls offer follows who is signed in (and their role once back in the Space).
  recording.permissionsChanged();
  render();
}

ui.signin.addEventListener('submit', (e) => {
  e.preventDefault();
  const v = formValues(ui.signin);
  void act(async () => afterSignIn(await client.request('auth.signIn', { handle: v.handle ?? '', password: v.password ?? '' })));
});
ui.register.addEventListener('submit', (e) => {
  e.preventDefault();
  const v = formValues(ui.register);
  void act(async () =>
    afterSignIn(await client.request('auth.register', { handle: v.handle ?? '', displayName: v.displayName ?? '', password: v.password ?? '' })),
  );
});
ui.signout.addEventListener('click', () =>
  act(async () => {
    await client.request('auth.signOut', {});
    localStorage.removeItem(TOKEN_KEY);
    account = null;
    recording.permissionsChanged();
    wantsToListen = false;
    self = undefined;
    hangUp();
    releaseMic();
    render();
  }),
);

// ---- server events ----

client.onEvent((e) => {
  switch (e.type) {
    case 'space.updated':
      if (e.space.id !== spaceId) return;
      space = e.space;
      if (space.state === 'ended') {
        wantsToListen = false;
        hangUp();
        releaseMic();
      }
      break;
    case 'space.roster':
      if (e.roster.spaceId === spaceId) roster = e.roster;
      break;
    case 'space.self':
      if (e.self.spaceId !== spaceId) return;
      if (e.self.role !== self?.role) recording.permissionsChanged();
      self = e.self;
      void syncMedia();
      break;
    case 'space.speaking':
      for (const m of roster?.stage ?? []) if (m.id === e.memberId) m.speaking = e.speaking;
      break;
    case 'space.reaction':
      showReaction(`${e.displayName} `, e.reaction);
      break;
    case 'space.reactions':
      // A busy room's reactions arrive counted per window.
      for (const c of e.counts) showReaction('', c.reaction, ` ×${c.count}`);
      break;
    case 'space.removed':
      if (e.spaceId !== spaceId) return;
      removed = true;
      wantsToListen = false;
      self = undefined;
      hangUp();
      releaseMic();
      break;
    case 'media.reset':
      if (e.spaceId !== spaceId || !wantsToListen) return;
      notice(t('audioReconnecting'));
      hangUp();
      void syncMedia();
      break;
  }
  render();
});

client.onState((state) => {
  if (state === 'connected') void onConnected();
  else if (state === 'disconnected') notice(t('serverLost'));
  render();
});

async function onConnected(): Promise<void> {
  try {
    const token = localStorage.getItem(TOKEN_KEY);
    if (token) {
      account = (await client.request('auth.resume', { token }).catch(() => {
        localStorage.removeItem(TOKEN_KEY);
        return null;
      }))?.account ?? null;
    }
    ({ space } = await client.request('space.watch', { spaceId }));
    if (account) recording.permissionsChanged();
    if (wantsToListen && !removed) {
      // Back after a lost connection (or a server restart): our old media path is gone with it.
      hangUp();
      ({ space, self, roster } = await client.request('space.join', { spaceId, ...(account ? {} : { displayName: t('guestName') }) }));
      await syncMedia();
    }
    render();
  } catch (err) {
    notice(AppError.from(err).message);
  }
}

const recording = mountRecording($('recording-root'), ui.invite, client, spaceId, {
  onModeChange: () => {
    hangUp();
    void syncMedia();
  },
});
mountCaptions($('captions-root'), client, spaceId);
mountSchedule($('schedule-root'), client, spaceId);
void client.connect().catch(() => notice(t('unreachable')));

/** Shows a reaction in the feed for a few seconds (at most a dozen at once), drawn with our own glyphs. */
function showReaction(before: string, reaction: Reaction, after = ''): void {
  const li = document.createElement('li');
  const hidden = document.createElement('span');
  hidden.className = 'visually-hidden';
  hidden.textContent = reaction;
  li.append(before, reactionSvg(document, reaction), hidden, after);
  ui.feed.prepend(li);
  while (ui.feed.children.length > 12) ui.feed.lastElementChild?.remove();
  setTimeout(() => li.remove(), 4000);
}
