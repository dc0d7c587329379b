/**
 * The MQTT outbox: messages are written here before they are published and marked once the broker
 * has them, so an outage of the broker, the network or the agent itself loses none; whatever is
 * still pending is published, in seq order, after the next connect or restart.
 *
 * Delivery is at least once: a message whose acknowledgement was lost is sent again. Subscribers
 * de-duplicate by the payload's `seq` (with `eventId` for the event it belongs to). A payload
 * without `seq` gets the outbox seq, which is unique and increasing on the device for its
 * lifetime (AUTOINCREMENT: never reused, not even after prune()); a caller that numbers its own
 * messages keeps its `seq`.
 */
import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import { details, epochMs, failValidation, validate } from './validation.js';

export type OutboxQos = 0 | 1;

export interface NewOutboxMessage {
  readonly topic: string;
  /** A JSON object; see the module comment for `seq`. */
  readonly payload: Record<string, unknown>;
  readonly qos: OutboxQos;
  readonly retain: boolean;
}

export interface OutboxMessage {
  readonly seq: number;
  readonly topic: string;
  /** The JSON text to publish, `seq` included. */
  readonly payload: string;
  readonly qos: OutboxQos;
  readonly retain: boolean;
  readonly createdAt: number;
  readonly publishedAt: number | null;
  readonly attempts: number;
  readonly lastError: string | null;
}

export interface OutboxRepository {
  enqueue(message: NewOutboxMessage): { seq: number };
  /** Unpublished messages, oldest (lowest seq) first; limit default 100, at most 10000. */
  pending(limit?: number): OutboxMessage[];
  pendingCount(): number;
  get(seq: number): OutboxMessage | undefined;
  /** Idempotent: a message already marked keeps its first publishedAt. */
  markPublished(seq: number, at: number): void;
  /** Counts a failed attempt; the message stays pending. */
  markFailed(seq: number, error: string): void;
  /** Deletes published messages with publishedAt < before (epoch ms); never a pending one. */
  prune(before: number): number;
}

export const MAX_TOPIC_LENGTH = 256;

/** A topic to publish to: no wildcards, no empty level, at most 256 characters. */
export const publishTopic = z
  .string()
  .min(1)
  .max(MAX_TOPIC_LENGTH)
  .refine((t) => !t.includes('+') && !t.includes('#'), 'must not contain the wildcards + or #')
  .refine((t) => !t.split('/').includes(''), 'must not have empty levels (leading, trailing or double "/")')
  // Topics starting with $ are the broker's ($SYS); NUL is forbidden by the MQTT spec.
  .refine((t) => !t.startsWith('$') && !t.includes('\u0000'), 'must not start with $ or contain NUL');

const newMessageSchema = z
  .object({
    topic: publishTopic,
    payload: details,
    qos: z.union([z.literal(0), z.literal(1)]),
    retain: z.boolean(),
  })
  .strict();

const seqSchema = z.int().positive();
const limitSchema = z.int().min(1).max(10_000);

interface OutboxRow {
  seq: number;
  topic: string;
  payload: string;
  qos: number;
  retain: number;
  created_at: number;
  published_at: number | null;
  attempts: number;
  last_error: string | null;
}

const COLUMNS = 'seq, topic, payload, qos, retain, created_at, published_at, attempts, last_error';
/** Long errors (stack-like messages) are cut: the row keeps the gist, the log has the rest. */
const MAX_ERROR_LENGTH = 1000;

function toMessage(row: OutboxRow): OutboxMessage {
  return {
    seq: row.seq,
    topic: row.topic,
    payload: row.payload,
    qos: row.qos === 1 ? 1 : 0,
    retain: row.retain === 1,
    createdAt: row.created_at,
    publishedAt: row.published_at,
    attempts: row.attempts,
    lastError: row.last_error,
  };
}

export function createOutboxRepository(db: Database, clock: () => number): OutboxRepository {
  const insert: Statement<[{ topic: string; payload: string; qos: number; retain: number; created_at: number }]> = db.prepare(
    'INSERT INTO outbox (topic, payload, qos, retain, created_at) VALUES (@topic, @payload, @qos, @retain, @created_at)',
  );
  const stampSeq: Statement<[string, number]> = db.prepare('UPDATE outbox SET payload = ? WHERE seq = ?');
  const selectPending: Statement<[number], OutboxRow> = db.prepare(
    `SELECT ${COLUMNS} FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT ?`,
  );
  const countPending: Statement<[], number> = db
    .prepare<[], number>('SELECT count(*) FROM outbox WHERE published_at IS NULL')
    .pluck();
  const selectOne: Statement<[number], OutboxRow> = db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE seq = ?`);
  const published: Statement<[number, number]> = db.prepare(
    'UPDATE outbox SET published_at = ?, attempts = attempts + 1, last_error = NULL WHERE seq = ? AND published_at IS NULL',
  );
  const failed: Statement<[string, number]> = db.prepare(
    'UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ? AND published_at IS NULL',
  );
  const prune: Statement<[number]> = db.prepare('DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < ?');

  const enqueue = db.transaction((m: z.output<typeof newMessageSchema>): number => {
    const result = insert.run({
      topic: m.topic,
      payload: JSON.stringify(m.payload),
      qos: m.qos,
      retain: m.retain ? 1 : 0,
      created_at: clock(),
    });
    const seq = Number(result.lastInsertRowid);
    // The seq is known only after the insert; same transaction, so no reader sees the row without it.
    if (!Object.hasOwn(m.payload, 'seq')) stampSeq.run(JSON.stringify({ ...m.payload, seq }), seq);
    return seq;
  });

  const requireRow = (operation: string, seq: number): OutboxRow => {
    const row = selectOne.get(seq);
    if (row === undefined) throw new Error(`${operation}: no outbox message with seq ${seq}`);
    return row;
  };

  return {
    enqueue(message) {
      const topic = String((message as { topic?: unknown } | null)?.topic);
      const m = validate(`outbox.enqueue(${topic})`, newMessageSchema, message);
      try {
        return { seq: enqueue.immediate(m) };
      } catch (error) {
        throw new Error(`outbox.enqueue(${m.topic}): ${(error as Error).message}`, { cause: error });
      }
    },

    pending(limit = 100) {
      return selectPending.all(validate('outbox.pending', limitSchema, limit)).map(toMessage);
    },

    pendingCount() {
      return countPending.get() ?? 0;
    },

    get(seq) {
      const row = selectOne.get(validate('outbox.get', seqSchema, seq));
      return row === undefined ? undefined : toMessage(row);
    },

    markPublished(seq, at) {
      const s = validate('outbox.markPublished', z.object({ seq: seqSchema, at: epochMs }), { seq, at });
      if (published.run(s.at, s.seq).changes === 0) requireRow('outbox.markPublished', s.seq);
    },

    markFailed(seq, error) {
      const s = validate('outbox.markFailed', z.object({ seq: seqSchema, error: z.string() }), { seq, error });
      if (failed.run(s.error.slice(0, MAX_ERROR_LENGTH), s.seq).changes === 0) {
        const row = requireRow('outbox.markFailed', s.seq);
        if (row.published_at !== null) {
          failValidation('outbox.markFailed', 'seq', [`seq: message ${s.seq} was already published at ${row.published_at}`]);
        }
      }
    },

    prune(before) {
      return prune.run(validate('outbox.prune', z.object({ before: epochMs }), { before }).before).changes;
    },
  };
}
