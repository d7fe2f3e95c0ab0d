import { SignalingClient } from '../shared/signalingClient.js';
import { AppError } from '../shared/errors.js';
import { homeTranslator, type HomeLang } from '../shared/homeText.js';
import type { AccountPublic } from '../shared/account.js';
import { enablePush, registerServiceWorker, type PushState } from './push.js';

/**
 * The server-rendered pages (`/`, `/u/<handle>`, the reminder mail links) share this script: it
 * keeps the page's main part current (the server renders it; we fetch it each second while the
 * page is visible), and, for a signed-in person, the Follow and reminder buttons, live alerts and
 * the reminder email address. Permission to notify is asked only when they follow or set a reminder.
 */
const lang: HomeLang = document.documentElement.lang === 'it' ? 'it' : 'en';
const t = homeTranslator(lang);
const TOKEN_KEY = 'spaces.session';
const $ = <T extends HTMLElement = HTMLElement>(id: string): T | null => document.getElementById(id) as T | null;

const main = $('home-main');
const panel = $('reach');
let account: AccountPublic | null = null;
const reminded = new Set<string>();
let following = false;

void registerServiceWorker();
const client = new SignalingClient(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`, (url) => new WebSocket(url));

function say(text: string): void {
  const m = $('reach-message');
  if (m) m.textContent = text;
}
function pushMessage(s: PushState): string {
  return s === 'on' ? t('pushOn') : s === 'denied' ? t('pushDenied') : t('pushUnavailable');
}
async function act(f: () => Promise<unknown>): Promise<void> {
  try {
    await ready;
    await f();
  } catch (err) {
    say(AppError.from(err).message);
  }
}
function needSignIn(): boolean {
  if (account) return false;
  say(t('signInToFollow'));
  $('reach')?.scrollIntoView({ block: 'center' });
  $<HTMLInputElement>('home-signin')?.querySelector('input')?.focus();
  return true;
}

/** Puts the person's own state (reminders, following) onto the freshly rendered main part. */
function applyState(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('button[data-remind]')) {
    const on = reminded.has(b.dataset.remind!);
    b.textContent = on ? t('reminderSet') : t('remindMe');
    b.setAttribute('aria-pressed', String(on));
  }
  const f = $<HTMLButtonElement>('follow');
  if (f) {
    f.textContent = following ? t('following') : t('follow');
    f.setAttribute('aria-pressed', String(following));
    f.hidden = account?.handle === f.dataset.follow;
  }
}

async function loadPersonalState(): Promise<void> {
  reminded.clear();
  following = false;
  if (account) {
    for (const b of document.querySelectorAll<HTMLButtonElement>('button[data-remind]')) {
      const r = await client.request('schedule.get', { spaceId: b.dataset.remind! }).catch(() => null);
      if (r?.reminded) reminded.add(b.dataset.remind!);
    }
    const handle = $('follow')?.dataset.follow;
    if (handle) following = (await client.request('account.get', { handle }).catch(() => null))?.following ?? false;
    const { prefs } = await client.request('reach.prefs', {});
    const alerts = $<HTMLInputElement>('live-alerts');
    if (alerts) alerts.checked = prefs.liveAlerts;
    const email = $<HTMLInputElement>('email');
    if (email && prefs.email) email.value = prefs.email.address;
    if (prefs.email?.verified && !prefs.email.unsubscribed) say(t('emailVerified', { address: prefs.email.address }));
    if (!prefs.emailAvailable) $('email-form')?.setAttribute('hidden', '');
  }
  const who = $('reach-who');
  if (who) who.textContent = account ? t('signedInAs', { handle: account.handle }) : t('signInToFollow');
  $('home-signin')?.toggleAttribute('hidden', !!account);
  $('reach-prefs')?.toggleAttribute('hidden', !account);
  applyState();
}

// ---- the live part: fetched each second while visible ----
let last = '';
async function refresh(): Promise<void> {
  const url = main?.dataset.refresh;
  if (!main || !url || document.hidden) return;
  const res = await fetch(url, { cache: 'no-store' }).catch(() => null);
  if (!res?.ok) return;
  const html = await res.text();
  if (html === last) return;
  last = html;
  // The server renders (and escapes) this part; the same function made the first page.
  main.innerHTML = html;
  applyState();
}
if (main?.dataset.refresh) setInterval(() => void refresh(), 1000);
document.addEventListener('visibilitychange', () => void refresh());

// ---- clicks (delegated: the main part is replaced as it refreshes) ----
document.addEventListener('click', (e) => {
  const target = e.target as HTMLElement;
  const remind = target.closest<HTMLButtonElement>('button[data-remind]');
  if (remind) {
    if (needSignIn()) return;
    const id = remind.dataset.remind!;
    void act(async () => {
      const on = !reminded.has(id);
      await client.request(on ? 'reminder.set' : 'reminder.clear', { spaceId: id });
      if (on) reminded.add(id);
      else reminded.delete(id);
      applyState();
      if (on) say(pushMessage(await enablePush(client)));
    });
    return;
  }
  const follow = target.closest<HTMLButtonElement>('button[data-follow]');
  if (follow) {
    if (needSignIn()) return;
    const handle = follow.dataset.follow!;
    void act(async () => {
      const r = await client.request(following ? 'account.unfollow' : 'account.follow', { handle });
      following = !following;
      const count = $('followers');
      if (count) count.textContent = t('followers', { count: r.account.followerCount });
      applyState();
      if (following) say(pushMessage(await enablePush(client)));
    });
  }
});

$<HTMLFormElement>('home-signin')?.addEventListener('submit', (e) => {
  e.preventDefault();
  const form = e.target as HTMLFormElement;
  const v = Object.fromEntries(new FormData(form).entries()) as Record<string, string>;
  void act(async () => {
    const signed = await client.request('auth.signIn', { handle: v.handle ?? '', password: v.password ?? '' });
    localStorage.setItem(TOKEN_KEY, signed.token);
    account = signed.account;
    say('');
    await loadPersonalState();
  });
});
$('home-signout')?.addEventListener('click', () =>
  void act(async () => {
    await client.request('auth.signOut', {});
    localStorage.removeItem(TOKEN_KEY);
    account = null;
    say('');
    await loadPersonalState();
  }),
);
$<HTMLInputElement>('live-alerts')?.addEventListener('change', (e) =>
  void act(async () => {
    const on = (e.target as HTMLInputElement).checked;
    await client.request('reach.setLiveAlerts', { on });
    if (on) say(pushMessage(await enablePush(client)));
  }),
);
$<HTMLFormElement>('email-form')?.addEventListener('submit', (e) => {
  e.preventDefault();
  const email = $<HTMLInputElement>('email')?.value.trim() ?? '';
  void act(async () => {
    const { prefs } = await client.request('reach.setEmail', { email: email || null });
    say(prefs.email ? (prefs.email.verified ? t('emailVerified', { address: prefs.email.address }) : t('emailSent', { address: prefs.email.address })) : '');
  });
});

client.onState((state) => {
  if (state !== 'connected' || !panel) return;
  void act(async () => {
    const token = localStorage.getItem(TOKEN_KEY);
    account = token ? ((await client.request('auth.resume', { token }).catch(() => null))?.account ?? null) : null;
    if (token && !account) localStorage.removeItem(TOKEN_KEY);
    await loadPersonalState();
  });
});
/** Requests wait for the connection (a click can come before it is up). */
const ready: Promise<void> = panel ? client.connect().catch(() => undefined) : Promise.resolve();
