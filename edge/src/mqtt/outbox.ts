/** What producers of MQTT messages write to: the durable outbox (outbox-publisher.ts sends it on). */
import type { NewOutboxMessage } from '../store/store.js';

export interface Outbox {
  /** seq null: the database refused the message for now and it waits in memory (outbox-publisher.ts). */
  enqueue(message: NewOutboxMessage): { seq: number | null };
}
