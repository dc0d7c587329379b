/**
 * How the agent writes to a disk that may be full and a database another process may lock:
 *
 * - critical(): events, acks and outbox messages. A write refused for lack of space spends part of
 *   the disk reserve (disk-reserve.ts) and is tried again, step by step until it commits or the
 *   reserve is gone; then it throws StoreWriteError naming the write.
 * - persist(): critical() retried later (backoff, until close()) instead of throwing: for writes
 *   that may wait (an event step, an ack) but must not be dropped, e.g. while an operator's
 *   `sqlite3` holds the write lock longer than busy_timeout. SQLite itself already waited
 *   busy_timeout on each attempt; waiting between attempts here keeps the event loop free.
 * - bestEffort(): health samples and the like. One attempt, never throws; skipped while the reserve
 *   is being lived on, so the room it gave back goes to alerts, not to samples.
 *
 * Every refused or skipped write counts in writeFailures (/api/status storage.disk); the log says
 * so rate-limited, and onNoSpace tells the retention cleaner to look at the disk now.
 */
import type { Logger } from '../log/logger.js';
import { RateLimitedLog } from '../log/rate-limited-log.js';
import type { DiskReserve } from './disk-reserve.js';
import { classifyWriteFailure, StoreWriteError } from './write-failure.js';

export interface WriteGuardOptions {
  readonly log: Logger;
  /** Room to give back for critical writes; null: none (a CLI, a test without a disk to fill). */
  readonly reserve?: DiskReserve | null;
  /** Told on every write refused for lack of space (the cleaner checks the disk at once). */
  readonly onNoSpace?: () => void;
  /** How much of the reserve one refused write gives back (default a quarter, at least 64 KiB). */
  readonly releaseStepBytes?: number;
  /** persist(): first wait between attempts, doubled up to maxRetryMs (defaults 250 ms, 5 s). */
  readonly minRetryMs?: number;
  readonly maxRetryMs?: number;
}

export class WriteGuard {
  readonly #log: Logger;
  readonly #limited: RateLimitedLog;
  readonly #reserve: DiskReserve | null;
  readonly #onNoSpace: () => void;
  readonly #stepBytes: number;
  readonly #minRetryMs: number;
  readonly #maxRetryMs: number;
  readonly #waking = new Set<() => void>();
  #failures = 0;
  #closed = false;

  constructor(options: WriteGuardOptions) {
    this.#log = options.log;
    this.#limited = new RateLimitedLog(options.log, { intervalMs: 60_000 });
    this.#reserve = options.reserve ?? null;
    this.#onNoSpace = options.onNoSpace ?? (() => {});
    this.#stepBytes = options.releaseStepBytes ?? Math.max(64 * 1024, Math.ceil((this.#reserve?.targetBytes ?? 0) / 4));
    this.#minRetryMs = options.minRetryMs ?? 250;
    this.#maxRetryMs = options.maxRetryMs ?? 5000;
  }

  /** Writes refused (full, I/O, locked) or skipped for lack of space since start. */
  get writeFailures(): number {
    return this.#failures;
  }

  /** Bytes the reserve holds now (0 without one). */
  get reserveBytes(): number {
    return this.#reserve?.bytes ?? 0;
  }

  /** Part of the reserve has been given back: the disk is living on it. */
  get shortOfSpace(): boolean {
    return this.#reserve !== null && !this.#reserve.complete;
  }

  critical<T>(operation: string, write: () => T): T {
    for (;;) {
      try {
        return write();
      } catch (err) {
        const kind = classifyWriteFailure(err);
        if (kind === null) throw err;
        this.#failures += 1;
        if (kind === 'busy') throw err instanceof StoreWriteError ? err : new StoreWriteError(operation, kind, err);
        this.#onNoSpace();
        const freed = this.#release();
        if (freed === 0) throw err instanceof StoreWriteError ? err : new StoreWriteError(operation, kind, err);
        this.#log.warn('disk reserve given back for a write', {
          operation, kind, freedBytes: freed, reserveBytes: this.#reserve?.bytes ?? 0, err,
        });
      }
    }
  }

  async persist<T>(operation: string, write: () => T): Promise<T> {
    let waitMs = this.#minRetryMs;
    for (;;) {
      try {
        return this.critical(operation, write);
      } catch (err) {
        if (!(err instanceof StoreWriteError) || this.#closed) throw err;
        this.#limited.warn(`persist:${family(operation)}:${err.kind}`, 'write not taken yet, trying again', { operation, kind: err.kind, retryInMs: waitMs, err });
      }
      await this.#sleep(waitMs);
      if (this.#closed) throw new Error(`${operation}: not written: the store is closing`);
      waitMs = Math.min(waitMs * 2, this.#maxRetryMs);
    }
  }

  /**
   * `whileShort`: tried even while the reserve is in use. `onlyDiskFailures`: other errors (a bad
   * row, a bug) are thrown for the caller to report with its own context, instead of logged here.
   */
  bestEffort<T>(operation: string, write: () => T, options: { whileShort?: boolean; onlyDiskFailures?: boolean } = {}): T | undefined {
    if (this.shortOfSpace && !options.whileShort) {
      this.skip(operation);
      return undefined;
    }
    try {
      return write();
    } catch (err) {
      const kind = classifyWriteFailure(err);
      if (kind === null && options.onlyDiskFailures) throw err;
      if (kind !== null) this.#failures += 1;
      if (kind === 'no_space' || kind === 'io') this.#onNoSpace();
      // Even an unexpected error: these writes run from timers, where a throw ends the process.
      this.#limited.error(`fail:${family(operation)}:${kind ?? 'other'}`, 'write failed (best effort, dropped)', { operation, kind, err });
      return undefined;
    }
  }

  /** A write left out because the disk is short of space (counted and logged like a refused one). */
  skip(operation: string): void {
    this.#failures += 1;
    this.#limited.warn(`skip:${family(operation)}`, 'write skipped: the disk reserve is in use', { operation, reserveBytes: this.reserveBytes });
  }

  /** Ends persist() waits (they throw); later calls still write. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const wake of this.#waking) wake();
    this.#waking.clear();
  }

  #release(): number {
    try {
      return this.#reserve?.release(this.#stepBytes) ?? 0;
    } catch (err) {
      this.#log.error('disk reserve could not be given back', { file: this.#reserve?.file, err });
      return 0;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waking.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waking.add(done);
    });
  }
}

/** `events.start(cam1)` → `events.start`: one rate limit per kind of write, not per camera or event. */
const family = (operation: string): string => operation.split('(')[0] ?? operation;
