/**
 * Acknowledgements of events by store staff (a clerk device or the dashboard): who said they are
 * dealing with it, and when. Kept beside the event, never changing it.
 */
import type { Database } from 'better-sqlite3';
import { UnknownEventError } from './errors.js';

export type AckSource = 'mqtt' | 'dashboard';

export interface AckRecord {
  readonly eventId: string;
  readonly by: string;
  readonly ackedAt: number;
  readonly receivedAt: number;
  readonly source: AckSource;
}

export interface NewAck {
  readonly eventId: string;
  readonly by: string;
  readonly ackedAt: number;
  readonly source: AckSource;
}

export interface AckRepository {
  /**
   * Records an ack; throws UnknownEventError when no such event exists. An ack identical to one
   * already stored (same event, by and ackedAt) is the same ack seen twice and returns the stored
   * record: the dashboard records its ack and publishes it on MQTT, and the agent's AckListener
   * then receives it back; QoS 1 may also deliver a device's ack twice.
   */
  record(ack: NewAck): AckRecord;
  forEvent(eventId: string): AckRecord[];
}

interface AckRow { event_id: string; by: string; acked_at: number; received_at: number; source: AckSource }

const toRecord = (r: AckRow): AckRecord => ({ eventId: r.event_id, by: r.by, ackedAt: r.acked_at, receivedAt: r.received_at, source: r.source });

export function createAckRepository(db: Database, clock: () => number): AckRepository {
  const exists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM events WHERE id = ?');
  const insert = db.prepare<[string, string, number, number, AckSource]>(
    'INSERT INTO event_acks (event_id, by, acked_at, received_at, source) VALUES (?, ?, ?, ?, ?)',
  );
  const same = db.prepare<[string, string, number], AckRow>(
    'SELECT event_id, by, acked_at, received_at, source FROM event_acks WHERE event_id = ? AND by = ? AND acked_at = ? ORDER BY id LIMIT 1',
  );
  const list = db.prepare<[string], AckRow>('SELECT event_id, by, acked_at, received_at, source FROM event_acks WHERE event_id = ? ORDER BY id');
  return {
    record(ack) {
      if (!exists.get(ack.eventId)) throw new UnknownEventError('acks.record', ack.eventId);
      if (ack.by.length < 1 || ack.by.length > 64) throw new RangeError(`acks.record(${ack.eventId}): by must be 1 to 64 characters`);
      if (!Number.isFinite(ack.ackedAt)) throw new RangeError(`acks.record(${ack.eventId}): ackedAt must be a finite time`);
      const stored = same.get(ack.eventId, ack.by, Math.round(ack.ackedAt));
      if (stored) return toRecord(stored);
      const receivedAt = clock();
      insert.run(ack.eventId, ack.by, Math.round(ack.ackedAt), receivedAt, ack.source);
      return { ...ack, ackedAt: Math.round(ack.ackedAt), receivedAt };
    },
    forEvent(eventId) {
      return list.all(eventId).map(toRecord);
    },
  };
}
