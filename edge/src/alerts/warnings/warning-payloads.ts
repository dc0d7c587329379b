/**
 * MQTT payloads for the ATM's own monitor (`mimamori/<site>/atm/<atmId>/warning`) and the clerk's
 * handheld (`mimamori/<site>/clerk/alerts`). They carry finished texts, not just keys, so displays
 * need no catalogue of their own and show exactly what was reviewed here; and the ATM payload never
 * carries images, since the customer's own screen is no place for a picture of them.
 */
import { formatTimestamp } from '../../store/timestamps.js';
import type { BehaviourName, Severity } from '../../pipeline/behaviours/types.js';
import { catalogue, type MessageKey } from './catalogue.js';

/** What the customer at the ATM (or the e-money rack's display) reads for an event. */
export function atmMessageKey(behaviour: BehaviourName, severity: Severity): MessageKey {
  if (behaviour === 'emoney_lingering') return 'emoney.lingering';
  return severity === 'high' ? 'atm.phone_call' : 'atm.phone_hand';
}

/** What the clerk reads: the high `emoney_lingering` severity means the person is also on the phone. */
export function clerkMessageKey(behaviour: BehaviourName, severity: Severity): MessageKey {
  if (behaviour === 'phone_at_atm') return 'clerk.phone_at_atm';
  return severity === 'high' ? 'clerk.emoney_lingering_phone' : 'clerk.emoney_lingering';
}

export interface AtmWarningInput {
  action: 'show' | 'clear';
  eventId: string;
  /**
   * Increases with every message for the event, so a display can drop one that arrives late.
   * Leave it out to let the MQTT outbox number the message (unique and increasing on the device).
   */
  seq?: number;
  behaviour: BehaviourName;
  severity: Severity;
  /** BCP-47 tags, first shown first; each is resolved to a catalogue language. */
  languages: readonly string[];
  /** When the display should take the warning down by itself; null: until a `clear`. */
  until: Date | null;
  /** Default: `atmMessageKey(behaviour, severity)`. */
  messageKey?: MessageKey;
  /** Minutes east of UTC for the timestamps; default the device's offset. */
  offsetMinutes?: number;
}

export interface AtmWarningPayload {
  action: 'show' | 'clear';
  eventId: string;
  seq?: number;
  messageKey: MessageKey;
  /** Catalogue languages, in the order asked for, without repeats after fallback. */
  languages: string[];
  /** Empty on `clear`. */
  texts: Record<string, string>;
  until: string | null;
}

export function atmWarningPayload(input: AtmWarningInput): AtmWarningPayload {
  checkIdentity(input.eventId, input.seq);
  if (input.languages.length === 0) throw new RangeError(`event ${input.eventId}: no display languages given`);
  const messageKey = input.messageKey ?? atmMessageKey(input.behaviour, input.severity);
  const languages = [...new Set(input.languages.map((l) => catalogue.resolveLanguage(l)))];
  const texts: Record<string, string> = {};
  if (input.action === 'show') {
    for (const lang of languages) texts[lang] = catalogue.message(messageKey, lang);
  }
  return {
    action: input.action,
    eventId: input.eventId,
    ...(input.seq === undefined ? {} : { seq: input.seq }),
    messageKey,
    languages,
    texts,
    until: input.until === null ? null : formatTimestamp(input.until.getTime(), input.offsetMinutes),
  };
}

export interface ClerkAlertInput {
  eventId: string;
  seq?: number;
  behaviour: BehaviourName;
  severity: Severity;
  /** Display names, as the clerk knows the places. */
  zone: string;
  camera: string;
  lang: string;
  snapshotUrl: string | null;
  at: Date | number;
  /** 0 for the alert itself, 1.. for its reminders while nobody has acknowledged it (default 0). */
  resend?: number;
  offsetMinutes?: number;
}

export interface ClerkAlertPayload {
  eventId: string;
  seq?: number;
  behaviour: BehaviourName;
  severity: Severity;
  zone: string;
  camera: string;
  text: string;
  /** The catalogue language `text` is in, after fallback. */
  lang: string;
  snapshotUrl: string | null;
  at: string;
  /** 0 for the alert, n for its n-th reminder (same event, same text, a new `seq`). */
  resend: number;
}

export function clerkAlertPayload(input: ClerkAlertInput): ClerkAlertPayload {
  checkIdentity(input.eventId, input.seq);
  const atMs = typeof input.at === 'number' ? input.at : input.at.getTime();
  const { lang, text } = catalogue.resolve(clerkMessageKey(input.behaviour, input.severity), input.lang, {
    zone: input.zone,
    camera: input.camera,
  });
  return {
    eventId: input.eventId,
    ...(input.seq === undefined ? {} : { seq: input.seq }),
    behaviour: input.behaviour,
    severity: input.severity,
    zone: input.zone,
    camera: input.camera,
    text,
    lang,
    snapshotUrl: input.snapshotUrl,
    at: formatTimestamp(atMs, input.offsetMinutes),
    resend: input.resend ?? 0,
  };
}

function checkIdentity(eventId: string, seq: number | undefined): void {
  if (eventId === '') throw new RangeError('eventId is empty');
  if (seq !== undefined && (!Number.isSafeInteger(seq) || seq < 0)) throw new RangeError(`event ${eventId}: seq must be a non-negative integer, got ${seq}`);
}
