/**
 * The clerk page's alerts: what the agent's live stream says (clerk alerts, acks, event ends),
 * kept by event id, and drawn as one card per event. Open alerts come first, newest first, in
 * full (snapshot, what happened, what to say, the acknowledge button); handled and ended ones
 * follow as short cards. Everything is built with el(): texts from the agent never become markup.
 */
import { el } from '../shared/dom.js';
import { catalogueText } from '../atm/catalogue.js';
import { MESSAGES, type Lang } from './messages.js';

export interface ClerkAlert {
  eventId: string;
  behaviour: string;
  severity: string;
  zone: string;
  camera: string;
  /** The agent's text in its clerk language, shown when this page has none of its own. */
  text: string;
  at: string;
  resend: number;
}

export interface AlertView {
  alert: ClerkAlert;
  ack: { by: string; at: string } | null;
  ended: boolean;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A clerk alert payload from the stream, or null when it is not one. */
export function toAlert(data: unknown): ClerkAlert | null {
  if (data === null || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  if (typeof d.eventId !== 'string' || !/^[0-9a-f-]{36}$/.test(d.eventId)) return null;
  return {
    eventId: d.eventId,
    behaviour: str(d.behaviour),
    severity: str(d.severity),
    zone: str(d.zone),
    camera: str(d.camera),
    text: str(d.text),
    at: str(d.at),
    resend: typeof d.resend === 'number' ? d.resend : 0,
  };
}

export const isOpen = (v: AlertView): boolean => v.ack === null && !v.ended;

/** The agent's catalogue key for the alert sentence (as warning-payloads.ts picks it). */
function clerkKey(a: ClerkAlert): string | null {
  if (a.behaviour === 'phone_at_atm') return 'clerk.phone_at_atm';
  if (a.behaviour === 'emoney_lingering') return a.severity === 'high' ? 'clerk.emoney_lingering_phone' : 'clerk.emoney_lingering';
  return null;
}

export function alertTitle(a: ClerkAlert, lang: Lang): string {
  const titles: Record<string, string> = MESSAGES[lang].behaviour;
  return titles[a.behaviour] ?? a.behaviour;
}

function time(iso: string, lang: Lang): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleTimeString(lang === 'ja' ? 'ja-JP' : 'en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export interface CardHandlers {
  onAck(eventId: string, button: HTMLButtonElement, error: HTMLElement): void;
  /** An ack of this event is on its way: the button stays disabled across redraws. */
  isSending(eventId: string): boolean;
}

/**
 * Snapshot elements by event, kept across redraws: each load of a snapshot is an audited view on
 * the agent, and a redraw (language switch, a reminder) must not fetch it again.
 */
const snapshots = new Map<string, HTMLElement>();

function snapshot(a: ClerkAlert, lang: Lang): HTMLElement {
  const known = snapshots.get(a.eventId);
  if (known) {
    if (known instanceof HTMLImageElement) known.alt = MESSAGES[lang].snapshotAlt(a.zone);
    return known;
  }
  const img = el('img', { class: 'snapshot', src: `/api/events/${a.eventId}/snapshot`, alt: MESSAGES[lang].snapshotAlt(a.zone), decoding: 'async' });
  img.addEventListener('error', () => {
    const none = el('p', { class: 'snapshot none' }, MESSAGES[lang].noSnapshot);
    snapshots.set(a.eventId, none);
    img.replaceWith(none);
  });
  snapshots.set(a.eventId, img);
  return img;
}

function card(view: AlertView, lang: Lang, handlers: CardHandlers): HTMLElement {
  const m = MESSAGES[lang];
  const a = view.alert;
  const titleId = `alert-${a.eventId}-title`;
  const open = isOpen(view);
  const status = view.ack ? 'acked' : view.ended ? 'ended' : 'open';
  const severities: Record<string, string> = m.severity;
  const head = el('header', {},
    el('span', { class: 'badge' }, severities[a.severity] ?? a.severity),
    el('h2', { id: titleId }, alertTitle(a, lang)),
    el('time', { datetime: a.at }, time(a.at, lang)),
    ...(a.resend > 0 && open ? [el('span', { class: 'reminder' }, m.reminder(a.resend))] : []),
  );
  const where = el('dl', { class: 'where' },
    el('dt', {}, m.zone), el('dd', {}, a.zone),
    el('dt', {}, m.camera), el('dd', {}, a.camera),
  );
  const key = clerkKey(a);
  const sentence = key ? catalogueText(key, lang, { zone: a.zone, camera: a.camera }) : a.text;
  const root = el('article', { class: 'alert', 'data-event-id': a.eventId, 'data-status': status, 'data-severity': a.severity, 'aria-labelledby': titleId }, head);

  if (!open) {
    const outcome = view.ack ? m.handledBy(view.ack.by, time(view.ack.at, lang)) : m.ended;
    root.append(el('div', { class: 'body' }, snapshot(a, lang), el('div', {}, where, el('p', { class: 'outcome' }, outcome))));
    if (!view.ack) root.append(ackButton(view, lang, handlers));
    return root;
  }

  const say = a.behaviour === 'phone_at_atm' ? m.sayAtm : m.sayEmoney;
  // The button comes before the questions, so on a handheld it is in reach without scrolling.
  root.append(
    el('div', { class: 'body' },
      snapshot(a, lang),
      el('div', {},
        where,
        el('p', { class: 'sentence' }, sentence),
        ackButton(view, lang, handlers),
        el('section', { class: 'say', 'aria-label': m.whatToSay },
          el('h3', {}, m.whatToSay),
          el('p', {}, say.intro),
          el('ol', {}, ...say.questions.map((q) => el('li', {}, q))),
          el('p', { class: 'outro' }, say.outro),
        ),
      ),
    ),
  );
  return root;
}

function ackButton(view: AlertView, lang: Lang, handlers: CardHandlers): HTMLElement {
  const m = MESSAGES[lang];
  const error = el('p', { class: 'error', role: 'alert' });
  const sending = handlers.isSending(view.alert.eventId);
  const button = el('button', { type: 'button', class: 'ack', 'aria-label': m.ackLabel(view.alert.zone) }, sending ? m.acking : m.ack);
  button.disabled = sending;
  button.addEventListener('click', () => handlers.onAck(view.alert.eventId, button, error));
  return el('div', { class: 'ack-row' }, button, error);
}

/**
 * Cards by event, reused while nothing on them changed: a card re-created under a finger (a
 * reminder for another alert arriving mid-tap) would swallow the tap on its button.
 */
const cards = new Map<string, { key: string; node: HTMLElement }>();

function cardFor(view: AlertView, lang: Lang, handlers: CardHandlers): HTMLElement {
  const key = JSON.stringify([view, lang, handlers.isSending(view.alert.eventId)]);
  const known = cards.get(view.alert.eventId);
  if (known?.key === key) return known.node;
  const node = card(view, lang, handlers);
  cards.set(view.alert.eventId, { key, node });
  return node;
}

let emptyNode: { lang: Lang; node: HTMLElement } | null = null;
let recentNode: { lang: Lang; node: HTMLElement } | null = null;

/** Redraws the list: open alerts newest first, then the handled and ended ones. */
export function renderAlerts(container: HTMLElement, views: Iterable<AlertView>, lang: Lang, handlers: CardHandlers): void {
  const m = MESSAGES[lang];
  const all = [...views].sort((x, y) => y.alert.at.localeCompare(x.alert.at));
  const open = all.filter(isOpen);
  const closed = all.filter((v) => !isOpen(v));
  if (emptyNode?.lang !== lang) emptyNode = { lang, node: el('p', { class: 'empty' }, m.empty) };
  if (recentNode?.lang !== lang) recentNode = { lang, node: el('h2', { class: 'recent' }, m.recent) };
  const children: HTMLElement[] = [];
  if (open.length === 0) children.push(emptyNode.node);
  children.push(...open.map((v) => cardFor(v, lang, handlers)));
  if (closed.length > 0) children.push(recentNode.node, ...closed.map((v) => cardFor(v, lang, handlers)));
  const current = [...container.children];
  if (current.length !== children.length || children.some((c, i) => c !== current[i])) container.replaceChildren(...children);
  // Forget cards and snapshots of alerts no longer listed.
  const listed = new Set(all.map((v) => v.alert.eventId));
  for (const id of cards.keys()) if (!listed.has(id)) cards.delete(id);
  for (const id of snapshots.keys()) if (!listed.has(id)) snapshots.delete(id);
}
