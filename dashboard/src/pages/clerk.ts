/**
 * /clerk: the store clerk's alert screen, for a small handheld or the register's second screen.
 * Alerts arrive over the agent's live stream; a new one chimes and shows the snapshot, the place,
 * the severity and what to say; one tap acknowledges it (POST /api/events/<id>/ack, which the
 * agent records and publishes on MQTT for the other clerk devices).
 */
import '../shared/base.css';
import '../clerk/clerk.css';
import { api, ApiError, type Session } from '../shared/api.js';
import { byId, el } from '../shared/dom.js';
import { connectLive, type LinkState } from '../shared/live.js';
import { alertTitle, isOpen, renderAlerts, toAlert, type AlertView } from '../clerk/alerts.js';
import { Chime } from '../clerk/chime.js';
import type { AckResult, StaffStreamMessage } from '../live/types.js';
import { LANGS, MESSAGES, type Lang } from '../clerk/messages.js';

const LANG_KEY = 'mimamori.clerk.lang';
/** A blip shorter than this only shows in the status pill, not as a banner over the alerts. */
const BANNER_AFTER_MS = 5000;

const storedLang = localStorage.getItem(LANG_KEY);
let lang: Lang = (LANGS as readonly string[]).includes(storedLang ?? '') ? (storedLang as Lang) : 'ja';
let link: LinkState = 'connecting';
let session: Session | null = null;
let bannerTimer: number | undefined;
const views = new Map<string, AlertView>();
const sending = new Set<string>();

const top = byId('top');
const banner = byId('banner');
const list = byId('alerts');
const announce = byId('announce');
const chime = new Chime(() => renderTop());

/**
 * The header is built once and updated in place: re-creating a button while it is being tapped
 * (an alert arriving mid-tap) would swallow the tap.
 */
const heading = el('h1');
const linkPill = el('span', { class: 'link', role: 'status' });
const sound = el('div', { class: 'sound' });
const languages = el('div', { class: 'langs', role: 'group' });
const who = el('div', { class: 'who' });
const langButtons = LANGS.map((l) => {
  const b = el('button', { type: 'button', class: 'secondary', lang: l }, MESSAGES[l].langName);
  b.addEventListener('click', () => setLang(l));
  languages.append(b);
  return b;
});
top.append(heading, linkPill, sound, languages, who);
let soundDrawn = '';
let whoDrawn = '';

function renderTop(): void {
  const m = MESSAGES[lang];
  document.documentElement.lang = lang;
  const open = [...views.values()].filter(isOpen).length;
  document.title = `${open > 0 ? `(${open}) ` : ''}${m.pageTitle}`;
  heading.textContent = m.heading;
  linkPill.dataset.state = link;
  linkPill.textContent = { connecting: m.linkConnecting, open: m.linkOpen, reconnecting: m.linkReconnecting, stopped: m.linkStopped }[link];
  languages.setAttribute('aria-label', m.language);
  LANGS.forEach((l, i) => langButtons[i]!.setAttribute('aria-pressed', String(l === lang)));

  const soundState = `${lang} ${chime.enabled} ${open > 0}`;
  if (soundState !== soundDrawn) {
    soundDrawn = soundState;
    if (chime.enabled) {
      const test = el('button', { type: 'button', class: 'secondary' }, m.soundTest);
      test.addEventListener('click', () => chime.play(false));
      sound.replaceChildren(el('span', {}, m.soundOn), test);
    } else {
      // Visible until sound works: a clerk must know the handheld will stay silent.
      const unlock = el('button', { type: 'button', class: `unlock${open > 0 ? ' urgent' : ''}` }, open > 0 ? m.soundOffUrgent : m.soundOff);
      unlock.addEventListener('click', () => void chime.unlock().then((ok) => ok && chime.play(false)));
      sound.replaceChildren(unlock);
    }
  }
  const whoState = `${lang} ${session?.username ?? ''}`;
  if (whoState !== whoDrawn) {
    whoDrawn = whoState;
    who.replaceChildren(...(session ? [el('span', { class: 'user' }, m.signedInAs, session.username), logoutButton(m.logout)] : []));
  }
}

function logoutButton(label: string): HTMLElement {
  const b = el('button', { type: 'button', class: 'secondary' }, label);
  b.addEventListener('click', () => {
    void api('/api/logout', { method: 'POST', body: {} }).finally(() => location.assign('/login?next=/clerk'));
  });
  return b;
}

function render(): void {
  renderTop();
  renderAlerts(list, views.values(), lang, { onAck: acknowledge, isSending: (id) => sending.has(id) });
}

function setLang(next: Lang): void {
  lang = next;
  localStorage.setItem(LANG_KEY, next);
  render();
  renderBanner();
}

function renderBanner(): void {
  banner.textContent = MESSAGES[lang].linkWarning;
}

function setLink(state: LinkState): void {
  link = state;
  window.clearTimeout(bannerTimer);
  if (state === 'open' || state === 'connecting') {
    banner.hidden = true;
  } else {
    bannerTimer = window.setTimeout(() => {
      renderBanner();
      banner.hidden = false;
    }, state === 'stopped' ? 0 : BANNER_AFTER_MS);
  }
  renderTop();
}

function alertArrived(view: AlertView): void {
  chime.play(view.alert.severity === 'high');
  navigator.vibrate?.([200, 100, 200]);
  announce.textContent = MESSAGES[lang].newAlert(alertTitle(view.alert, lang), view.alert.zone);
}

function onMessage(m: StaffStreamMessage): void {
  switch (m.kind) {
    case 'state': {
      const before = new Set([...views.values()].filter(isOpen).map((v) => v.alert.eventId));
      views.clear();
      // A bank's state (this page refuses banks, but the type allows one) has no clerk alerts.
      for (const item of 'clerkAlerts' in m ? m.clerkAlerts : []) {
        const alert = toAlert(item.alert);
        if (!alert) continue;
        const ack = item.ack;
        views.set(alert.eventId, { alert, ack: ack && typeof ack.by === 'string' ? ack : null, ended: item.ended === true });
      }
      // Caught up after a reconnect: chime for what arrived meanwhile.
      const fresh = [...views.values()].filter((v) => isOpen(v) && !before.has(v.alert.eventId));
      if (fresh[0]) alertArrived(fresh[0]);
      break;
    }
    case 'clerk_alert': {
      const alert = toAlert(m.data);
      if (!alert) return;
      const previous = views.get(alert.eventId);
      // A reminder keeps the time the alert first came, which is what the clerk compares.
      if (previous && alert.resend > 0) alert.at = previous.alert.at;
      const view: AlertView = { alert, ack: previous?.ack ?? null, ended: previous?.ended ?? false };
      views.set(alert.eventId, view);
      // A reminder or a rise in severity rings again, as the MQTT devices do.
      if (isOpen(view)) alertArrived(view);
      break;
    }
    case 'ack': {
      const view = views.get(String(m.data?.eventId));
      if (!view || view.ack) return;
      view.ack = { by: String(m.data?.by), at: String(m.data?.at ?? new Date().toISOString()) };
      break;
    }
    case 'event': {
      // Only an end changes a card; updates come every few seconds and change nothing here.
      const view = views.get(String(m.data?.eventId));
      if (!view || view.ended || m.data?.type !== 'end') return;
      view.ended = true;
      break;
    }
    default:
      return;
  }
  render();
}

function acknowledge(eventId: string, button: HTMLButtonElement, error: HTMLElement): void {
  const m = MESSAGES[lang];
  sending.add(eventId);
  button.disabled = true;
  button.textContent = m.acking;
  error.textContent = '';
  api<AckResult>(`/api/events/${eventId}/ack`, { body: {} }).then(
    (ack) => {
      sending.delete(eventId);
      const view = views.get(eventId);
      if (view && !view.ack) view.ack = { by: ack.by, at: ack.ackedAt };
      render();
    },
    (err: unknown) => {
      sending.delete(eventId);
      button.disabled = false;
      button.textContent = MESSAGES[lang].ack;
      error.textContent = `${MESSAGES[lang].ackFailed}${err instanceof ApiError || err instanceof Error ? err.message : String(err)}`;
    },
  );
}

async function main(): Promise<void> {
  render();
  session = await api<Session>('/api/session'); // a 401 goes to the login page and back
  if (session.role === 'bank') {
    list.replaceChildren(el('p', { class: 'empty' }, MESSAGES[lang].wrongRole));
    renderTop();
    return;
  }
  render();
  connectLive({
    url: '/api/stream',
    onMessage,
    onState: setLink,
    onRefused: async () => {
      // Logged out, expired or disabled: log in again. Anything else: the agent is restarting.
      const res = await fetch('/api/session', { credentials: 'same-origin' });
      if (res.status !== 401) return true;
      location.assign(`/login?next=${encodeURIComponent('/clerk')}`);
      return false;
    },
  });
}

main().catch((err: unknown) => {
  list.replaceChildren(el('p', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err)));
});
