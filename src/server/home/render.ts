import { formatDateTime } from '../../shared/intl.js';
import { homeTranslator, type HomeLang } from '../../shared/homeText.js';
import type { SpacePublic } from '../../shared/space.js';
import type { HomeView, HostView } from './service.js';
import type { ClipRow, ReplayRow, UpcomingRow } from './store.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Server-rendered HTML of the home pages; the same functions render the part the page's script refreshes. */
export class HomeRenderer {
  private readonly t: ReturnType<typeof homeTranslator>;

  constructor(readonly lang: HomeLang) {
    this.t = homeTranslator(lang);
  }

  header(q: string): string {
    const t = this.t;
    const other = this.lang === 'it' ? { code: 'en', name: 'English' } : { code: 'it', name: 'Italiano' };
    return (
      `<header class="site"><a class="brand" href="/?lang=${this.lang}">${esc(t('siteTitle'))}</a>` +
      `<form class="search" role="search" action="/" method="get"><input type="hidden" name="lang" value="${this.lang}">` +
      `<label class="visually-hidden" for="q">${esc(t('search'))}</label><input id="q" name="q" type="search" maxlength="60" value="${esc(q)}" placeholder="${esc(t('search'))}">` +
      `<button type="submit" class="secondary">${esc(t('searchButton'))}</button></form>` +
      `<a class="lang" href="?lang=${other.code}" hreflang="${other.code}" lang="${other.code}">${other.name}</a></header>`
    );
  }

  homeMain(v: HomeView): string {
    const t = this.t;
    return (
      (v.q ? `<h1>${esc(t('resultsFor', { q: v.q }))}</h1>` : `<h1>${esc(t('siteTitle'))}</h1><p class="tagline">${esc(t('tagline'))}</p>`) +
      this.section('live', t('liveNow'), v.live.map((s) => this.liveTile(s, true)), t('noneLive')) +
      this.section('upcoming', t('upcoming'), v.upcoming.map((u) => this.upcomingTile(u, true)), t('noneUpcoming')) +
      this.section('replays', t('replays'), v.replays.map((r) => this.replayTile(r, true)), t('noneReplays'))
    );
  }

  hostMain(v: HostView): string {
    const t = this.t;
    const a = v.account;
    return (
      `<section class="host-head" aria-labelledby="host-name"><div class="avatar big" aria-hidden="true">${esc(a.displayName.slice(0, 1).toUpperCase())}</div>` +
      `<div><h1 id="host-name">${esc(a.displayName)}</h1><p class="host">@${esc(a.handle)} · <span id="followers">${esc(t('followers', { count: a.followerCount }))}</span></p></div>` +
      `<div class="host-actions"><button type="button" id="follow" data-follow="${esc(a.handle)}">${esc(t('follow'))}</button>` +
      `<a class="button-link" href="/u/${esc(a.handle)}/calendar.ics">${esc(t('calendar'))}</a>` +
      `<a class="button-link" href="/u/${esc(a.handle)}/podcast.xml">${esc(t('podcast'))}</a></div></section>` +
      this.section('live', t('liveNow'), v.live.map((s) => this.liveTile(s, false)), t('noneLive')) +
      this.section('upcoming', t('upcoming'), v.upcoming.map((u) => this.upcomingTile(u, false)), t('noneUpcoming')) +
      this.section('replays', t('replays'), v.replays.map((r) => this.replayTile(r, false)), t('noneReplays')) +
      this.section('clips', t('clips'), v.clips.map((c) => this.clipTile(c)), t('noneClips'))
    );
  }

  /** The sign-in and reminder choices (filled in by the page's script). */
  accountPanel(): string {
    const t = this.t;
    return (
      `<section id="reach" class="card reach" aria-label="${esc(t('signInToFollow'))}">` +
      `<p id="reach-who">${esc(t('signInToFollow'))}</p>` +
      `<form id="home-signin" class="account-form"><label><span>${esc(t('handle'))}</span> <input name="handle" autocomplete="username" required></label>` +
      `<label><span>${esc(t('password'))}</span> <input name="password" type="password" autocomplete="current-password" required minlength="10"></label>` +
      `<button type="submit">${esc(t('signIn'))}</button></form>` +
      `<div id="reach-prefs" hidden><label class="check"><input type="checkbox" id="live-alerts"> ${esc(t('liveAlerts'))}</label>` +
      `<form id="email-form" class="row"><label class="visually-hidden" for="email">${esc(t('emailLabel'))}</label>` +
      `<input id="email" name="email" type="email" autocomplete="email" placeholder="${esc(t('emailLabel'))}"><button type="submit" class="secondary">${esc(t('emailSave'))}</button></form>` +
      `<button type="button" id="home-signout" class="secondary">${esc(t('signOut'))}</button></div>` +
      `<p id="reach-message" class="notice" role="status"></p></section>`
    );
  }

  private section(id: string, title: string, items: string[], empty: string): string {
    return (
      `<section class="shelf" id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${esc(title)}</h2>` +
      (items.length ? `<ul class="tiles">${items.join('')}</ul>` : `<p class="empty">${esc(empty)}</p>`) +
      `</section>`
    );
  }

  private byline(handle: string, name: string, link: boolean): string {
    return link ? `<a class="byline" href="/u/${esc(handle)}?lang=${this.lang}">${esc(name)} <span>@${esc(handle)}</span></a>` : '';
  }

  private liveTile(s: SpacePublic, withHost: boolean): string {
    return (
      `<li class="tile" data-space="${esc(s.id)}"><span class="state" data-state="live">${esc(this.t('live'))}</span>` +
      `<a class="tile-title" href="/s/${esc(s.id)}">${esc(s.title)}</a>${this.byline(s.hostHandle, s.hostName, withHost)}` +
      `<span class="meta">${esc(this.t('listeners', { count: s.listenerCount }))}</span></li>`
    );
  }

  private upcomingTile(u: UpcomingRow, withHost: boolean): string {
    const when = `${formatDateTime(u.starts_at, this.lang, u.time_zone)} (${u.time_zone})`;
    return (
      `<li class="tile" data-space="${esc(u.id)}"><span class="state" data-state="scheduled">${esc(this.t('scheduled'))}</span>` +
      `<a class="tile-title" href="/s/${esc(u.id)}">${esc(u.title)}</a>${this.byline(u.host_handle, u.host_name, withHost)}` +
      `<span class="meta"><time datetime="${new Date(u.starts_at).toISOString()}">${esc(this.t('startsAt', { when }))}</time></span>` +
      (u.ticket_count === null
        ? ''
        : `<span class="meta tickets">${esc(u.tickets_issued >= u.ticket_count ? this.t('soldOut') : this.t('ticketsLeft', { count: u.ticket_count - u.tickets_issued }))}</span>`) +
      `<button type="button" class="secondary remind" data-remind="${esc(u.id)}" aria-label="${esc(`${this.t('remindMe')}: ${u.title}`)}">${esc(this.t('remindMe'))}</button></li>`
    );
  }

  private replayTile(r: ReplayRow, withHost: boolean): string {
    return (
      `<li class="tile" data-space="${esc(r.id)}"><span class="state" data-state="ended">${esc(this.t('replay'))}</span>` +
      `<a class="tile-title" href="/s/${esc(r.id)}">${esc(r.title)}</a>${this.byline(r.host_handle, r.host_name, withHost)}` +
      `<span class="meta"><time datetime="${new Date(r.ended_at).toISOString()}">${esc(this.t('endedAt', { when: formatDateTime(r.ended_at, this.lang, 'UTC') + ' UTC' }))}</time></span></li>`
    );
  }

  private clipTile(c: ClipRow): string {
    return (
      `<li class="tile"><span class="state" data-state="ended">${esc(this.t('clips'))}</span>` +
      `<a class="tile-title" href="/c/${esc(c.id)}">${esc(this.t('clipOf', { title: c.title }))}</a>` +
      `<span class="meta">${Math.round(c.duration_ms / 1000)} s</span></li>`
    );
  }
}
