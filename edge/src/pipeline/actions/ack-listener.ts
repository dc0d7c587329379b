/**
 * Acknowledgements from clerk devices (or the dashboard) on `mimamori/<site>/clerk/alerts/<eventId>/ack`.
 * The topic and payload come from devices on the store network, so both are validated here; a
 * malformed or unknown ack is logged and ignored, and never changes another event. A valid ack the
 * database cannot take yet (locked, disk full) is kept trying (WriteGuard.persist): the device
 * sent it once and will not send it again.
 */
import { z } from 'zod';
import type { Logger } from '../../log/logger.js';
import { UnknownEventError, type Store } from '../../store/store.js';
import { WriteGuard } from '../../store/write-guard.js';
import type { MqttConnection } from './mqtt/mqtt-connection.js';

export const ackTopicFilter = (site: string): string => `mimamori/${site}/clerk/alerts/+/ack`;

const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const ackPayloadSchema = z
  .object({
    by: z.string().regex(/^[\p{L}\p{N} _.@-]{1,64}$/u, '1 to 64 letters, digits, spaces or _ . @ -'),
    at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export type ParsedAck = { ok: true; eventId: string; by: string; ackedAt: number } | { ok: false; reason: string };

export function parseAck(site: string, topic: string, payload: Buffer, now: number): ParsedAck {
  const prefix = `mimamori/${site}/clerk/alerts/`;
  if (!topic.startsWith(prefix) || !topic.endsWith('/ack')) return { ok: false, reason: 'not an ack topic of this site' };
  const eventId = topic.slice(prefix.length, -'/ack'.length);
  if (!EVENT_ID.test(eventId)) return { ok: false, reason: 'event id in the topic is malformed' };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  const parsed = ackPayloadSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ') };
  }
  return { ok: true, eventId, by: parsed.data.by, ackedAt: parsed.data.at ? Date.parse(parsed.data.at) : now };
}

export class AckListener {
  constructor(
    private readonly site: string,
    private readonly store: Store,
    private readonly connection: MqttConnection,
    private readonly onAck: (eventId: string) => void,
    private readonly log: Logger,
    private readonly writes: WriteGuard = new WriteGuard({ log }),
  ) {}

  async start(): Promise<void> {
    await this.connection.subscribe(ackTopicFilter(this.site), (topic, payload, retained) => {
      void this.receive(topic, payload, retained);
    });
  }

  private async receive(topic: string, payload: Buffer, retained: boolean): Promise<void> {
    if (retained) return; // a stale retained ack is not a person acknowledging now
    const ack = parseAck(this.site, topic, payload, Date.now());
    if (!ack.ok) {
      this.log.warn('ack ignored', { topic, reason: ack.reason });
      return;
    }
    try {
      await this.writes.persist(`acks.record(${ack.eventId})`, () => this.store.acks.record({ eventId: ack.eventId, by: ack.by, ackedAt: ack.ackedAt, source: 'mqtt' }));
    } catch (err) {
      this.log.warn('ack ignored', { topic, reason: err instanceof UnknownEventError ? 'no such event' : (err as Error).message });
      return;
    }
    this.onAck(ack.eventId);
    this.log.info('event acknowledged', { event: ack.eventId, by: ack.by });
  }
}
