import { t as tr, locale } from './i18n.js';
import { formatDateTime, formatMinutes, formatNumber } from '../shared/intl.js';
import type { SignalingClient } from '../shared/signalingClient.js';
import type { PublicScheduleItem } from '../shared/schedule.js';
import { AppError } from '../shared/errors.js';
import { enablePush } from './push.js';

/**
 * The scheduled part of the listener page: when it starts (in the host's time zone and the
 * reader's), a reminder button (signed in; it also subscribes the browser to Web Push, so the
 * reminder arrives with the page closed), an .ics link, tickets for ticketed Spaces, and the
 * switch to live when the host starts it (a notification for reminder holders).
 */
export function mountSchedule(root: HTMLElement, client: SignalingClient, spaceId: string): void {
  const ticketKey = `spaces.ticket.${spaceId}`;
  let item: PublicScheduleItem | null = null;
  let reminded = false;
  /** Started and on air (a started Space is live once its host joins the stage). */
  let live = false;
  let message = '';

  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]) => {
    const e = Object.assign(document.createElement(tag), props);
    e.append(...children);
    return e;
  };
  const errorText = (err: unknown): string => {
    const e = AppError.from(err);
    return e.code === 'unauthenticated' ? tr('schedule.signInFirst') : e.message;
  };

  function render(): void {
    root.replaceChildren();
    if (!item) return;
    root.hidden = false;
    if (item.status === 'scheduled') {
      const when = new Date(item.startsAt);
      root.append(
        el('p', { className: 'scheduled-when', id: 'scheduled-when' }, tr('schedule.when', { local: formatDateTime(when.getTime(), locale), there: formatDateTime(when.getTime(), locale, item.timeZone), zone: item.timeZone, duration: formatMinutes(item.durationMin, locale) })),
      );
      const remind = el('button', { type: 'button', id: 'remind', className: 'secondary', textContent: reminded ? tr('schedule.reminderSet') : tr('schedule.remindMe') });
      remind.addEventListener('click', () => void toggleReminder());
      root.append(el('div', { className: 'row' }, remind, el('a', { href: `/s/${spaceId}/event.ics`, id: 'ics', className: 'button-link', download: `space-${spaceId}.ics`, textContent: tr('schedule.ics') })));
    } else if (item.status === 'started') {
      root.append(el('p', { className: 'live-now', id: 'live-now', role: 'status' }, live ? tr('schedule.liveNow') : tr('schedule.startingNow')));
    }
    if (item.ticketing) {
      const t = item.ticketing;
      const has = !!localStorage.getItem(ticketKey);
      const price = t.priceCents === 0 ? tr('schedule.free') : formatNumber(t.priceCents / 100, locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      root.append(el('p', { id: 'tickets' }, t.soldOut ? tr('schedule.soldOut') : tr('schedule.ticketsLeft', { price, left: t.left, total: t.count }), has ? ` ${tr('schedule.haveTicket')}` : ''));
      if (!has && !t.soldOut) {
        const code = document.createElement('input');
        Object.assign(code, { id: 'ticket-code', name: 'code', placeholder: tr('schedule.ticketCode'), maxLength: 100, required: true, autocomplete: 'off' });
        code.setAttribute('aria-label', tr('schedule.ticketCode'));
        const claim = document.createElement('button');
        Object.assign(claim, { type: 'submit', id: 'ticket-claim', textContent: tr('schedule.getTicket') });
        const form = document.createElement('form');
        form.className = 'row ticket-form';
        form.append(code, claim);
        form.setAttribute('aria-label', tr('schedule.ticket'));
        form.addEventListener('submit', (e) => {
          e.preventDefault();
          void claimTicket(code.value);
        });
        root.append(form);
      }
    }
    if (message) root.append(el('p', { className: 'notice', id: 'schedule-message', role: 'status' }, message));
  }

  async function load(): Promise<void> {
    try {
      ({ item, reminded } = await client.request('schedule.get', { spaceId }));
      live = item.status === 'started';
    } catch {
      item = null; // not a scheduled Space
    }
    render();
  }

  async function toggleReminder(): Promise<void> {
    try {
      ({ reminded } = await client.request(reminded ? 'reminder.clear' : 'reminder.set', { spaceId }));
      message = reminded ? tr('schedule.willTell') : '';
      // The reminder is set whatever the person answers about notifications: show it at once (a
      // permission prompt may stay open for as long as they like).
      render();
      // Permission to notify is asked now, when the person wants a reminder (issue 21).
      if (reminded) message = tr(`schedule.push.${await enablePush(client)}`);
    } catch (err) {
      message = errorText(err);
    }
    render();
  }

  async function claimTicket(code: string): Promise<void> {
    try {
      const { ticket } = await client.request('ticket.claim', { spaceId, code: code.trim() });
      localStorage.setItem(ticketKey, ticket);
      await presentTicket();
      message = tr('schedule.ticketReady');
      await load();
    } catch (err) {
      message = errorText(err);
      render();
    }
  }

  /** Shows the stored ticket on this connection (after the page signed in: retried briefly). */
  async function presentTicket(): Promise<void> {
    const ticket = localStorage.getItem(ticketKey);
    if (!ticket) return;
    for (let i = 0; i < 10; i++) {
      try {
        await client.request('ticket.present', { spaceId, ticket });
        return;
      } catch (err) {
        if (AppError.from(err).code !== 'unauthenticated') {
          message = errorText(err);
          return render();
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  client.onEvent((e) => {
    if (e.type === 'schedule.started' && e.spaceId === spaceId) {
      if (item && item.status !== 'started') {
        item = { ...item, status: 'started' };
        live = false;
      }
      if (reminded) {
        message = tr('schedule.started', { title: e.title });
        if (typeof Notification !== 'undefined' && Notification.permission === 'granted') new Notification(tr('schedule.isLive'), { body: e.title });
      }
      render();
    } else if (e.type === 'space.updated' && e.space.id === spaceId && item && (e.space.state === 'live' ? !live : e.space.state === 'ended' && item.status !== 'ended')) {
      item = { ...item, status: e.space.state === 'live' ? 'started' : 'ended' };
      live = e.space.state === 'live';
      render();
    }
  });
  client.onState((state) => {
    if (state !== 'connected') return;
    // Let the page sign in again first, then read our view and show our ticket.
    setTimeout(() => void load().then(presentTicket), 200);
  });
  if (client.state === 'connected') void load().then(presentTicket);
}
