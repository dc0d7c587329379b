/**
 * Acknowledgements from clerk devices (or the dashboard) on `mimamori/<site>/clerk/alerts/<eventId>/ack`.
 * The topic and payload come from devices on the store network, so both are validated here; a
 * malformed, unknown, future-dated or retained ack is ignored, and never changes another event.
 * Anyone on that network can send thousands of them, so what is ignored is logged rate-limited
 * (one line per cause per minute, with the count held back), and so are repeated acks of one event.
 * A valid ack the database cannot take yet (locked, disk full) is kept trying (WriteGuard.persist):
 * the device sent it once and will not send it again.
 */
import { z } from 'zod';
import { alertsSchema } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { RateLimitedLog } from '../log/rate-limited-log.js';
import { WriteGuard } from '../store/write-guard.js';
import { UnknownEventError, type Store } from '../store/store.js';
import type { MqttConnection } from '../mqtt/mqtt-connection.js';

export const ackTopicFilter = (site: string): string => `mimamori/${site}/clerk/alerts/+/ack`;

const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const ackPayloadSchema = z
  .object({
    by: z.string().regex(/^[\p{L}\p{N} _.@-]{1,64}$/u, '1 to 64 letters, digits, spaces or _ . @ -'),
    at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

/** Default of `alerts.ackClockSkewSeconds`: how far a device's clock may run ahead of the agent's. */
export const DEFAULT_ACK_CLOCK_SKEW_MS = alertsSchema.shape.ackClockSkewSeconds.parse(undefined) * 1000;

/**
 * Why an ack was refused by parseAck (the listener adds `retained` and `event`: no such event), as
 * the key its log lines are limited by: a few causes, never the sender's text.
 */
export type AckRefusal = 'topic' | 'payload' | 'future';

export type ParsedAck = { ok: true; eventId: string; by: string; ackedAt: number } | { ok: false; cause: AckRefusal; reason: string };

/**
 * An ack dated later than `now` plus the clock skew is refused: no one acknowledges an alert
 * before it is sent, and a stored future time would sort a forged ack after every real one.
 */
export function parseAck(site: string, topic: string, payload: Buffer, now: number, clockSkewMs = DEFAULT_ACK_CLOCK_SKEW_MS): ParsedAck {
  const prefix = `mimamori/${site}/clerk/alerts/`;
  if (!topic.startsWith(prefix) || !topic.endsWith('/ack')) return { ok: false, cause: 'topic', reason: 'not an ack topic of this site' };
  const eventId = topic.slice(prefix.length, -'/ack'.length);
  if (!EVENT_ID.test(eventId)) return { ok: false, cause: 'topic', reason: 'event id in the topic is malformed' };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, cause: 'payload', reason: 'payload is not JSON' };
  }
  const parsed = ackPayloadSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, cause: 'payload', reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ') };
  }
  const ackedAt = parsed.data.at ? Date.parse(parsed.data.at) : now;
  if (ackedAt > now + clockSkewMs) {
    return {
      ok: false, cause: 'future',
      reason: `at: ${parsed.data.at} is ${Math.round((ackedAt - now) / 1000)} s ahead of the agent's clock (allowed: ${clockSkewMs / 1000} s, alerts.ackClockSkewSeconds)`,
    };
  }
  return { ok: true, eventId, by: parsed.data.by, ackedAt };
}

export interface AckListenerOptions {
  /** How far an ack's `at` may be ahead of the agent's clock (alerts.ackClockSkewSeconds). */
  readonly clockSkewMs?: number;
  /** At most one `ack ignored` line per cause, and one `event acknowledged` per event, this often (default a minute). */
  readonly logIntervalMs?: number;
  readonly now?: () => number;
  /** The agent's write guard (default: one of its own, without a disk reserve). */
  readonly writes?: WriteGuard;
}

const LOG_INTERVAL_MS = 60_000;

export class AckListener {
  private readonly ignored: RateLimitedLog;
  /** Apart from `ignored`, so many acknowledged events cannot crowd out the causes of ignored acks. */
  private readonly acked: RateLimitedLog;
  private readonly clockSkewMs: number;
  private readonly now: () => number;
  private readonly writes: WriteGuard;

  constructor(
    private readonly site: string,
    private readonly store: Store,
    private readonly connection: MqttConnection,
    private readonly onAck: (eventId: string) => void,
    log: Logger,
    options: AckListenerOptions = {},
  ) {
    const intervalMs = options.logIntervalMs ?? LOG_INTERVAL_MS;
    this.ignored = new RateLimitedLog(log, { intervalMs });
    this.acked = new RateLimitedLog(log, { intervalMs });
    this.clockSkewMs = options.clockSkewMs ?? DEFAULT_ACK_CLOCK_SKEW_MS;
    this.now = options.now ?? Date.now;
    this.writes = options.writes ?? new WriteGuard({ log });
  }

  async start(): Promise<void> {
    await this.connection.subscribe(ackTopicFilter(this.site), (topic, payload, retained) => {
      void this.receive(topic, payload, retained);
    });
  }

  /** Writes the counts of log lines still held back. */
  close(): void {
    this.ignored.close();
    this.acked.close();
  }

  private async receive(topic: string, payload: Buffer, retained: boolean): Promise<void> {
    if (retained) {
      // Kept by the broker from some earlier moment: not a person acknowledging now.
      this.ignored.warn('retained', 'ack ignored', { topic, cause: 'retained', reason: 'retained: a stored ack is not a person acknowledging now' });
      return;
    }
    const ack = parseAck(this.site, topic, payload, this.now(), this.clockSkewMs);
    if (!ack.ok) {
      this.ignored.warn(ack.cause, 'ack ignored', { topic, cause: ack.cause, reason: ack.reason });
      return;
    }
    try {
      await this.writes.persist(`acks.record(${ack.eventId})`, () => this.store.acks.record({ eventId: ack.eventId, by: ack.by, ackedAt: ack.ackedAt, source: 'mqtt' }));
    } catch (err) {
      if (err instanceof UnknownEventError) this.ignored.warn('event', 'ack ignored', { topic, cause: 'event', reason: 'no such event' });
      else this.ignored.error('store', 'ack not stored', { topic, event: ack.eventId, err });
      return;
    }
    this.onAck(ack.eventId);
    // The first ack of an event is the news; a device repeating it must not flood the log.
    this.acked.info(ack.eventId, 'event acknowledged', { event: ack.eventId, by: ack.by });
  }
}
