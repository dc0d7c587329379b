/**
 * Publishes the store's outbox over the MQTT connection, strictly in seq order: one message in
 * flight at a time, marked published only once the broker has it (PUBACK for QoS 1). Whatever is
 * pending, from before a disconnect or a restart of the agent, goes out after the next connect.
 *
 * Delivery is at least once (see outbox-repository.ts): a message is sent again when its
 * acknowledgement was lost or late, so subscribers drop a `seq` they have already seen.
 *
 * Most payloads are JSON objects and go on the wire as stored (`seq` included). A few topics need
 * a bare string instead: a relay matches `on`/`off`, Home Assistant `ON`/`OFF`, and a discovery
 * config must not carry our `seq`. The outbox column holds JSON objects only, so such a message is
 * stored as `{"$raw": "<text>", "seq": n}` and published as `<text>`, byte for byte. `$` cannot
 * start one of our camelCase keys, so no JSON message is mistaken for one.
 *
 * A full disk or a locked database: enqueue() writes through the WriteGuard (the disk reserve is
 * spent on an alert before it is refused). A message the database still does not take (locked
 * past busy_timeout, no reserve left) is kept in memory, in order, and written as soon as it can
 * be; later messages queue behind it so seq order stays the order they were enqueued in. Only a
 * process that dies meanwhile loses those.
 */
import type { Logger } from '../log/logger.js';
import type { NewOutboxMessage, Store } from '../store/store.js';
import { StoreWriteError } from '../store/write-failure.js';
import { WriteGuard } from '../store/write-guard.js';
import type { MqttConnection } from './mqtt-connection.js';

export const RAW_PAYLOAD_KEY = '$raw';
const RAW_PREFIX = `{"${RAW_PAYLOAD_KEY}":`;

/** An outbox message whose wire payload is `text` itself, not JSON (see the module comment). */
export function rawMessage(topic: string, text: string, options: { qos: 0 | 1; retain: boolean }): NewOutboxMessage {
  return { topic, qos: options.qos, retain: options.retain, payload: { [RAW_PAYLOAD_KEY]: text } };
}

/** What goes on the wire for a stored payload: the raw text for a `$raw` message, else the JSON as stored. */
export function wirePayload(stored: string): string {
  if (!stored.startsWith(RAW_PREFIX)) return stored;
  const raw = (JSON.parse(stored) as Record<string, unknown>)[RAW_PAYLOAD_KEY];
  return typeof raw === 'string' ? raw : stored;
}

export interface OutboxPublisherOptions {
  /** First wait after a failed publish, doubled per failure up to maxBackoffMs (default 1000). */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * A publish not acknowledged in this time counts as failed and is retried (default 30 s); the
   * late acknowledgement of the first copy may still come, hence possible duplicates.
   */
  readonly ackTimeoutMs?: number;
  /** Rows read per query while draining (default 100). */
  readonly batchSize?: number;
  readonly now?: () => number;
  /** How writes survive a full disk (default: no reserve, refused writes kept in memory). */
  readonly writes?: WriteGuard;
  /** Messages kept in memory at most while the database refuses them (default 10,000); beyond, the oldest go. */
  readonly maxUnwritten?: number;
}

/** What enqueue() did: the outbox seq, or null while the message waits in memory for the database. */
export interface Enqueued {
  readonly seq: number | null;
}

export class OutboxPublisher {
  readonly #store: Store;
  readonly #connection: MqttConnection;
  readonly #log: Logger;
  readonly #minBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #ackTimeoutMs: number;
  readonly #batchSize: number;
  readonly #now: () => number;
  readonly #writes: WriteGuard;
  readonly #maxUnwritten: number;
  /** Messages the database refused so far, oldest first. */
  readonly #unwritten: NewOutboxMessage[] = [];
  #unwrittenTimer: NodeJS.Timeout | undefined;
  #unwrittenWaitMs = 0;

  #started = false;
  #closed = false;
  #draining: Promise<void> | undefined;
  /** Set when asked to drain while a drain is running, so a message enqueued meanwhile is not left behind. */
  #again = false;
  #backoffMs = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  /** Wakes a drain waiting on a publish when close() is called. */
  #abort: (() => void) | undefined;
  /** The last failure reported in the log, so a long outage is one line, not one per retry. */
  #lastFailure: string | undefined;
  /** flush() callers, told when a drain finds nothing pending. */
  readonly #emptied = new Set<() => void>();

  constructor(store: Store, connection: MqttConnection, log: Logger, options: OutboxPublisherOptions = {}) {
    this.#store = store;
    this.#connection = connection;
    this.#log = log;
    this.#minBackoffMs = options.minBackoffMs ?? 1000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.#batchSize = options.batchSize ?? 100;
    this.#now = options.now ?? Date.now;
    this.#writes = options.writes ?? new WriteGuard({ log });
    this.#maxUnwritten = options.maxUnwritten ?? 10_000;
  }

  /** Starts draining what the store holds and resumes on every reconnect. */
  start(): void {
    if (this.#closed) throw new Error('outbox publisher: start() after close()');
    if (this.#started) return;
    this.#started = true;
    this.#unsubscribe = this.#connection.onConnect(() => {
      // A fresh connection is worth trying at once, whatever the backoff said.
      this.#clearRetry();
      this.#backoffMs = 0;
      this.#nudge();
    });
    const pending = this.#store.outbox.pendingCount();
    if (pending > 0) this.#log.info('outbox has pending messages', { pending });
    this.#nudge();
  }

  /**
   * Writes the message to the outbox (durable from here on), then starts publishing it. When the
   * database refuses it, it waits in memory (seq null) and is written as soon as it can be.
   */
  enqueue(message: NewOutboxMessage): Enqueued {
    if (this.#closed) throw new Error(`outbox publisher: enqueue(${message.topic}) after close()`);
    if (this.#unwritten.length === 0) {
      try {
        const queued = this.#write(message);
        if (this.#started) this.#nudge();
        return queued;
      } catch (err) {
        if (!(err instanceof StoreWriteError)) throw err;
        this.#log.error('outbox message kept in memory until the database takes it', { topic: message.topic, err });
      }
    }
    this.#unwritten.push(message);
    if (this.#unwritten.length > this.#maxUnwritten) {
      const lost = this.#unwritten.shift();
      this.#log.error('outbox message lost: too many kept in memory', { topic: lost?.topic, kept: this.#maxUnwritten });
    }
    this.#scheduleUnwritten();
    return { seq: null };
  }

  /** Messages waiting in memory for the database. */
  get unwritten(): number {
    return this.#unwritten.length;
  }

  #write(message: NewOutboxMessage): { seq: number } {
    return this.#writes.critical(`outbox.enqueue(${message.topic})`, () => this.#store.outbox.enqueue(message));
  }

  #scheduleUnwritten(): void {
    if (this.#unwrittenTimer !== undefined || this.#unwritten.length === 0) return;
    this.#unwrittenWaitMs = this.#unwrittenWaitMs === 0 ? this.#minBackoffMs : Math.min(this.#unwrittenWaitMs * 2, this.#maxBackoffMs);
    this.#unwrittenTimer = setTimeout(() => {
      this.#unwrittenTimer = undefined;
      this.#writeUnwritten();
    }, this.#unwrittenWaitMs);
  }

  /** Writes what waits in memory, in order, until the database refuses again. */
  #writeUnwritten(): boolean {
    const before = this.#unwritten.length;
    while (this.#unwritten.length > 0) {
      try {
        this.#write(this.#unwritten[0]!);
      } catch (err) {
        if (!(err instanceof StoreWriteError)) {
          // Cannot happen for a message enqueue() already validated; never block the rest on it.
          this.#log.error('outbox message dropped', { topic: this.#unwritten[0]!.topic, err });
          this.#unwritten.shift();
          continue;
        }
        if (!this.#closed) this.#scheduleUnwritten();
        return false;
      }
      this.#unwritten.shift();
    }
    this.#unwrittenWaitMs = 0;
    if (before > 0) this.#log.info('outbox messages kept in memory are written', { messages: before });
    if (this.#started) this.#nudge();
    return true;
  }

  /**
   * Waits until nothing is pending, at most `timeoutMs`; true when the outbox is empty. For a clean
   * shutdown, so the last state messages (relay `off`, interlock `resume`) leave before close();
   * returns false at once while disconnected, since a broker that is down cannot take them now.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    // Closed first: after close() the store may be closed too (a second Agent.close()).
    if (this.#closed || !this.#started) return false;
    if (this.#unwritten.length > 0 && !this.#writeUnwritten()) return false;
    if (this.#store.outbox.pendingCount() === 0) return true;
    if (!this.#connection.connected) return false;
    let timer: NodeJS.Timeout | undefined;
    let onEmpty: (() => void) | undefined;
    const emptied = new Promise<boolean>((resolve) => {
      onEmpty = () => resolve(true);
      this.#emptied.add(onEmpty);
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    this.#nudge();
    try {
      return await emptied;
    } finally {
      clearTimeout(timer);
      if (onEmpty) this.#emptied.delete(onEmpty);
    }
  }

  /** Stops publishing; an unacknowledged message stays pending for the next start. Idempotent. */
  async close(): Promise<void> {
    if (!this.#closed && this.#unwritten.length > 0 && !this.#writeUnwritten()) {
      this.#log.error('outbox messages lost at shutdown: the database did not take them', {
        messages: this.#unwritten.length, topics: [...new Set(this.#unwritten.map((m) => m.topic))],
      });
    }
    this.#closed = true;
    clearTimeout(this.#unwrittenTimer);
    this.#unwrittenTimer = undefined;
    this.#clearRetry();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#abort?.();
    await this.#draining;
  }

  #nudge(): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    if (this.#draining !== undefined) {
      this.#again = true;
      return;
    }
    this.#draining = this.#drain()
      .catch((error: unknown) => {
        // Only the store can fail here (closed underneath us, disk full); try again later.
        this.#log.error('outbox drain failed', { error });
        this.#scheduleRetry();
      })
      .finally(() => {
        this.#draining = undefined;
        if (this.#again) {
          this.#again = false;
          this.#nudge();
        }
      });
  }

  async #drain(): Promise<void> {
    while (!this.#closed && this.#connection.connected) {
      this.#again = false;
      const batch = this.#store.outbox.pending(this.#batchSize);
      if (batch.length === 0) {
        for (const notify of this.#emptied) notify();
        return;
      }
      for (const message of batch) {
        if (this.#closed || !this.#connection.connected) return;
        const outcome = await this.#publish(message.topic, wirePayload(message.payload), message.qos, message.retain);
        if (this.#closed) return;
        if (outcome !== undefined) {
          this.#writes.critical(`outbox.markFailed(${message.seq})`, () => this.#store.outbox.markFailed(message.seq, outcome.message));
          if (outcome.message !== this.#lastFailure) {
            this.#lastFailure = outcome.message;
            this.#log.warn('outbox publish failed, will retry', {
              seq: message.seq,
              topic: message.topic,
              error: outcome.message,
              attempts: message.attempts + 1,
            });
          }
          this.#scheduleRetry();
          return;
        }
        this.#writes.critical(`outbox.markPublished(${message.seq})`, () => this.#store.outbox.markPublished(message.seq, this.#now()));
        if (this.#lastFailure !== undefined) {
          this.#lastFailure = undefined;
          this.#log.info('outbox publishing again', { seq: message.seq });
        }
        this.#backoffMs = 0;
      }
    }
  }

  /** undefined when the broker has the message, else the error; also settles on close(). */
  async #publish(topic: string, payload: string, qos: 0 | 1, retain: boolean): Promise<Error | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.#connection.publish(topic, payload, { qos, retain }).then(
          () => undefined,
          (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
        ),
        new Promise<Error>((resolve) => {
          timer = setTimeout(
            () => resolve(new Error(`mqtt publish to ${topic}: no acknowledgement within ${this.#ackTimeoutMs} ms`)),
            this.#ackTimeoutMs,
          );
        }),
        new Promise<Error>((resolve) => {
          this.#abort = () => resolve(new Error('outbox publisher closed'));
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.#abort = undefined;
    }
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    this.#backoffMs = this.#backoffMs === 0 ? this.#minBackoffMs : Math.min(this.#backoffMs * 2, this.#maxBackoffMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#nudge();
    }, this.#backoffMs);
  }

  #clearRetry(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }
}
