/**
 * A log for lines that outsiders can make repeat fast (forged MQTT messages, a flapping device):
 * at most one line per key per interval. The first line of a key is written at once; the ones
 * that follow within the interval are held back and counted, and when the interval ends the latest
 * of them is written with `suppressed: <how many were held back>`, which opens the next interval.
 * A steady flood thus costs one line per key per interval, and a burst that stops is still
 * reported with its size. Keys are bounded too (`maxKeys`): beyond them every new key shares one
 * interval, so an attacker who varies the key (an event id, a topic) gets no more lines and no
 * more memory.
 *
 * Keys should name the cause (`invalid`, `no such event`), not the message's details: the details
 * belong in the fields, so the written line still shows one real example.
 */
import type { Logger } from './logger.js';

export interface RateLimitedLogOptions {
  /** At most one line per key this often (milliseconds). */
  readonly intervalMs: number;
  /** Keys tracked at once (default 100); further keys share one interval until some expire. */
  readonly maxKeys?: number;
}

type Level = 'info' | 'warn' | 'error';

interface HeldLine {
  readonly level: Level;
  readonly msg: string;
  readonly fields: Record<string, unknown> | undefined;
}

interface Interval {
  readonly timer: NodeJS.Timeout;
  suppressed: number;
  latest: HeldLine | null;
}

/** The shared key of lines whose own key found no room; never a key a caller would choose. */
const OVERFLOW_KEY = '\u0000other';

export class RateLimitedLog {
  private readonly intervals = new Map<string, Interval>();
  private readonly maxKeys: number;
  private closed = false;

  constructor(
    private readonly log: Logger,
    private readonly options: RateLimitedLogOptions,
  ) {
    if (!(options.intervalMs > 0)) throw new RangeError(`RateLimitedLog: intervalMs must be positive, got ${options.intervalMs}`);
    this.maxKeys = options.maxKeys ?? 100;
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1) throw new RangeError(`RateLimitedLog: maxKeys must be a positive integer, got ${this.maxKeys}`);
  }

  info(key: string, msg: string, fields?: Record<string, unknown>): void {
    this.write(key, { level: 'info', msg, fields });
  }

  warn(key: string, msg: string, fields?: Record<string, unknown>): void {
    this.write(key, { level: 'warn', msg, fields });
  }

  error(key: string, msg: string, fields?: Record<string, unknown>): void {
    this.write(key, { level: 'error', msg, fields });
  }

  /** Writes what is held back (so no count is lost at shutdown) and stops the timers; later lines are written directly. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const interval of this.intervals.values()) {
      clearTimeout(interval.timer);
      if (interval.latest) this.emit(interval.latest, interval.suppressed);
    }
    this.intervals.clear();
  }

  private write(key: string, line: HeldLine): void {
    if (this.closed) {
      this.emit(line, 0);
      return;
    }
    const k = this.intervals.has(key) || this.intervals.size < this.maxKeys ? key : OVERFLOW_KEY;
    const interval = this.intervals.get(k);
    if (interval) {
      interval.suppressed += 1;
      interval.latest = line;
      return;
    }
    this.emit(line, 0);
    this.open(k);
  }

  private open(key: string): void {
    // Unref'd: a pending count must not keep a process alive that has nothing else to do.
    const timer = setTimeout(() => this.end(key), this.options.intervalMs).unref();
    this.intervals.set(key, { timer, suppressed: 0, latest: null });
  }

  private end(key: string): void {
    const interval = this.intervals.get(key);
    this.intervals.delete(key);
    if (!interval?.latest) return;
    this.emit(interval.latest, interval.suppressed);
    this.open(key);
  }

  private emit(line: HeldLine, suppressed: number): void {
    this.log[line.level](line.msg, suppressed > 0 ? { ...line.fields, suppressed } : line.fields);
  }
}
