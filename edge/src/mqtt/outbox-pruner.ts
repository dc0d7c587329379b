/**
 * Keeps the outbox from growing without end: published messages older than the retention are
 * deleted, at start and then every hour. A message still pending is never deleted, however old:
 * it is what an outage left to deliver. Published messages are kept for mqtt.outboxRetentionDays so
 * that "did the alert for event X leave the device, and when?" can still be answered from the table.
 */
import { mqttSchema } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { OutboxRepository } from '../store/store.js';

export const DAY_MS = 86_400_000;

export interface OutboxPrunerOptions {
  /** Published messages older than this are deleted (default: mqtt.outboxRetentionDays's). */
  readonly retentionMs?: number;
  /** How often to prune (default 1 hour). */
  readonly intervalMs?: number;
  /** Epoch-ms clock, the same one the publisher stamps `publishedAt` with (default Date.now). */
  readonly now?: () => number;
}

export class OutboxPruner {
  readonly #outbox: Pick<OutboxRepository, 'prune'>;
  readonly #log: Logger;
  readonly #retentionMs: number;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(outbox: Pick<OutboxRepository, 'prune'>, log: Logger, options: OutboxPrunerOptions = {}) {
    this.#outbox = outbox;
    this.#log = log;
    this.#retentionMs = options.retentionMs ?? mqttSchema.shape.outboxRetentionDays.parse(undefined) * DAY_MS;
    this.#intervalMs = options.intervalMs ?? 3_600_000;
    this.#now = options.now ?? Date.now;
    if (!(this.#retentionMs > 0)) throw new RangeError(`outbox pruner: retentionMs must be > 0, got ${this.#retentionMs}`);
    if (!(this.#intervalMs > 0)) throw new RangeError(`outbox pruner: intervalMs must be > 0, got ${this.#intervalMs}`);
  }

  /** Prunes once now, then every interval until close(). */
  start(): void {
    if (this.#closed) throw new Error('outbox pruner: start() after close()');
    if (this.#timer !== undefined) return;
    this.pruneNow();
    this.#timer = setInterval(() => this.pruneNow(), this.#intervalMs);
    // Housekeeping must never keep the process alive on its own.
    this.#timer.unref();
  }

  /** Deletes published messages older than the retention; returns how many. Never throws. */
  pruneNow(): number {
    const before = Math.max(0, Math.floor(this.#now() - this.#retentionMs));
    try {
      const deleted = this.#outbox.prune(before);
      if (deleted > 0) this.#log.info('outbox pruned', { deleted, publishedBefore: new Date(before).toISOString() });
      return deleted;
    } catch (error) {
      // A closed or busy database must not take the agent down over housekeeping; next hour again.
      this.#log.warn('outbox prune failed', { error });
      return 0;
    }
  }

  /** Stops the timer; idempotent. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
