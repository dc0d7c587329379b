/**
 * The dashboard's live feed: every message the agent enqueues for MQTT (event steps, ATM warnings,
 * interlock advice, clerk alerts, the relay signal, acks) is also handed, in the same order, to the
 * screens connected over Server-Sent Events (api/routes/stream-routes.ts). It taps the outbox (a
 * tee around the object the AlertDispatcher enqueues into) rather than subscribing to the broker,
 * so the screens work whichever broker is used and whatever its ACLs, and a screen sees a message
 * as soon as it is durable, even while the broker is down.
 *
 * It also keeps the little state a screen that connects or reconnects needs to catch up: the
 * clerk alerts still open plus the last few handled ones, each ATM's warning while it shows, and
 * the relay signal. Everything is in memory and bounded; after an agent restart there is nothing
 * to catch up on (events left open were ended at start).
 */
import type { Logger } from '../../log/logger.js';
import type { NewOutboxMessage } from '../../store/store.js';
import { RAW_PAYLOAD_KEY } from '../../mqtt/outbox-publisher.js';
import type { LiveKind } from '../../wire/api/live.js';

export type { LiveKind };

export interface LiveMessage {
  readonly kind: LiveKind;
  /** The outbox seq: unique and increasing on the device (SSE `id`). */
  readonly seq: number;
  /** The ATM of an atm_warning or interlock message. */
  readonly atmId?: string;
  /**
   * The payload as published on MQTT (`seq` included). Text topics become objects: a signal is
   * `{state: 'on' | 'off'}`, an ack `{eventId, by, at}`.
   */
  readonly data: Record<string, unknown>;
}

export type ClerkAlertStatus = 'open' | 'acked' | 'ended';

export interface ClerkAlertState {
  /** The latest clerk alert payload for the event (a reminder or a severity rise replaces it). */
  readonly alert: Record<string, unknown>;
  readonly status: ClerkAlertStatus;
  readonly ack: { by: string; at: string } | null;
  /** Whether the event has ended (the customer left), acknowledged or not. */
  readonly ended: boolean;
}

export interface LiveState {
  /** Open alerts and the last handled or ended ones, oldest first. */
  readonly clerkAlerts: ClerkAlertState[];
  /** The warning each ATM shows now (a `show` not cleared and not past its `until`). */
  readonly atmWarnings: Record<string, Record<string, unknown>>;
  /** The relay signal last enqueued; null before the dispatcher started. */
  readonly signal: 'on' | 'off' | null;
  /** The order ATM displays cycle languages in (alerts.atmLanguages), for the idle poster too. */
  readonly atmLanguages: string[];
}

export interface LiveBusOptions {
  readonly atmLanguages?: readonly string[];
  /** Handled or ended alerts kept for catching up (default 20) and for how long (default 30 min). */
  readonly keepClosed?: number;
  readonly keepClosedMs?: number;
  readonly now?: () => number;
  readonly log?: Logger;
}

interface AlertEntry {
  alert: Record<string, unknown>;
  ack: { by: string; at: string } | null;
  ended: boolean;
  /** When it was acknowledged or ended, for pruning; null while open. */
  closedAtMs: number | null;
}

type Listener = (message: LiveMessage) => void;

export class LiveBus {
  private readonly listeners = new Set<Listener>();
  /** By event id, in insertion order (Map keeps it), so the oldest closed are pruned first. */
  private readonly alerts = new Map<string, AlertEntry>();
  private readonly warnings = new Map<string, Record<string, unknown>>();
  private signal: 'on' | 'off' | null = null;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly keepClosed: number;
  private readonly keepClosedMs: number;

  constructor(readonly site: string, private readonly options: LiveBusOptions = {}) {
    this.prefix = `mimamori/${site}/`;
    this.now = options.now ?? Date.now;
    this.keepClosed = options.keepClosed ?? 20;
    this.keepClosedMs = options.keepClosedMs ?? 30 * 60_000;
  }

  /**
   * Wraps an outbox so every message enqueued through it is also published here, after the outbox
   * has it (so it carries its seq). A failing screen never fails the enqueue.
   */
  tee<R extends { seq: number | null }>(outbox: { enqueue(message: NewOutboxMessage): R }): { enqueue(message: NewOutboxMessage): R } {
    return {
      enqueue: (message) => {
        const queued = outbox.enqueue(message);
        try {
          // Not yet in the database (full or locked): the screens still get it now, since an ATM
          // warning must not wait for the disk; seq 0, as for acks that come from MQTT.
          this.publish(message, queued.seq ?? 0);
        } catch (err) {
          // The message is durable in the outbox; the screens catch up on their next connect.
          this.options.log?.warn('live update failed', { topic: message.topic, err });
        }
        return queued;
      },
    };
  }

  /** One outbox message with its seq; topics the screens do not use are ignored. */
  publish(message: NewOutboxMessage, seq: number): void {
    const live = this.classify(message, seq);
    if (!live) return;
    this.remember(live);
    this.emit(live);
  }

  /**
   * An ack that came over MQTT from another device (the AckListener recorded it). The dashboard's
   * own acks come through tee() as the MQTT message they publish, and then come back from the
   * broker: an alert already acknowledged is not announced twice.
   */
  acknowledged(ack: { eventId: string; by: string; ackedAt: number }): void {
    if (this.alerts.get(ack.eventId)?.ack) return;
    const data = { eventId: ack.eventId, by: ack.by, at: new Date(ack.ackedAt).toISOString() };
    const live: LiveMessage = { kind: 'ack', seq: 0, data };
    this.remember(live);
    this.emit(live);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  state(): LiveState {
    this.prune();
    const nowMs = this.now();
    const atmWarnings: Record<string, Record<string, unknown>> = {};
    for (const [atmId, warning] of this.warnings) {
      const until = typeof warning.until === 'string' ? Date.parse(warning.until) : Number.NaN;
      if (Number.isNaN(until) || until > nowMs) atmWarnings[atmId] = warning;
    }
    return {
      clerkAlerts: [...this.alerts.values()].map((e) => ({
        alert: e.alert,
        status: e.ack ? 'acked' : e.ended ? 'ended' : 'open',
        ack: e.ack,
        ended: e.ended,
      })),
      atmWarnings,
      signal: this.signal,
      atmLanguages: [...(this.options.atmLanguages ?? [])],
    };
  }

  private classify(message: NewOutboxMessage, seq: number): LiveMessage | null {
    if (!message.topic.startsWith(this.prefix)) return null;
    const parts = message.topic.slice(this.prefix.length).split('/');
    const payload = { ...message.payload, seq: message.payload.seq ?? seq };
    const raw = typeof message.payload[RAW_PAYLOAD_KEY] === 'string' ? (message.payload[RAW_PAYLOAD_KEY] as string) : null;
    const [a, b, c, d] = parts;
    if (parts.length === 2 && a === 'clerk' && b === 'signal' && (raw === 'on' || raw === 'off')) {
      return { kind: 'signal', seq, data: { state: raw, seq } };
    }
    if (parts.length === 2 && a === 'clerk' && b === 'alerts') return { kind: 'clerk_alert', seq, data: payload };
    if (parts.length === 4 && a === 'clerk' && b === 'alerts' && d === 'ack' && c && raw !== null) {
      const ack = parseJsonObject(raw);
      if (!ack || typeof ack.by !== 'string') return null;
      return { kind: 'ack', seq, data: { eventId: c, by: ack.by, at: typeof ack.at === 'string' ? ack.at : null } };
    }
    if (parts.length === 3 && a === 'atm' && b && c === 'warning') return { kind: 'atm_warning', seq, atmId: b, data: payload };
    if (parts.length === 3 && a === 'atm' && b && c === 'interlock') return { kind: 'interlock', seq, atmId: b, data: payload };
    if (parts.length === 2 && b === 'events' && raw === null) return { kind: 'event', seq, data: payload };
    return null;
  }

  private remember(m: LiveMessage): void {
    const eventId = typeof m.data.eventId === 'string' ? m.data.eventId : null;
    switch (m.kind) {
      case 'signal':
        this.signal = m.data.state === 'on' ? 'on' : 'off';
        break;
      case 'atm_warning':
        if (m.data.action === 'show') this.warnings.set(m.atmId!, m.data);
        // A late clear for an event the ATM no longer shows must not take down the current one.
        else if (this.warnings.get(m.atmId!)?.eventId === eventId) this.warnings.delete(m.atmId!);
        break;
      case 'clerk_alert': {
        if (!eventId) break;
        const entry = this.alerts.get(eventId);
        if (entry) entry.alert = m.data;
        else this.alerts.set(eventId, { alert: m.data, ack: null, ended: false, closedAtMs: null });
        break;
      }
      case 'ack': {
        const entry = eventId ? this.alerts.get(eventId) : undefined;
        if (entry && !entry.ack) {
          entry.ack = { by: String(m.data.by), at: String(m.data.at ?? new Date(this.now()).toISOString()) };
          entry.closedAtMs ??= this.now();
        }
        break;
      }
      case 'event': {
        const entry = eventId && m.data.type === 'end' ? this.alerts.get(eventId) : undefined;
        if (entry) {
          entry.ended = true;
          entry.closedAtMs ??= this.now();
        }
        break;
      }
      case 'interlock':
        break;
    }
    this.prune();
  }

  /** Drops handled or ended alerts beyond the newest `keepClosed` or older than `keepClosedMs`. */
  private prune(): void {
    const closed = [...this.alerts].filter(([, e]) => e.closedAtMs !== null);
    const tooOld = this.now() - this.keepClosedMs;
    closed.forEach(([id, e], i) => {
      if (i < closed.length - this.keepClosed || e.closedAtMs! < tooOld) this.alerts.delete(id);
    });
  }

  private emit(m: LiveMessage): void {
    for (const listener of this.listeners) {
      try {
        listener(m);
      } catch (err) {
        // A broken screen connection must never break the agent's alert path.
        this.options.log?.warn('live listener failed', { kind: m.kind, err });
      }
    }
  }
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null; // not our ack format: nothing to show
  }
}

/** What the API needs from the agent for live screens and acks from the dashboard. */
export interface LiveContext {
  readonly bus: LiveBus;
  /** Enqueues an MQTT message through the outbox (and so onto the bus). */
  enqueue(message: NewOutboxMessage): { seq: number | null };
  /** Tells the alert logic an event was acknowledged: reminders stop, relay and interlock follow. */
  acknowledged(eventId: string): void;
}
