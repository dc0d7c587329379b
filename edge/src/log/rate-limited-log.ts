/**
 * For log lines that can repeat fast (a write refused every few hundred ms while the disk is
 * full): the first line of each key is written at once, the rest at most once per interval with
 * how many were held back meanwhile (`suppressed`).
 */
import type { Logger } from './logger.js';

export class RateLimitedLog {
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(key: string, msg: string, fields: Record<string, unknown>): void {
    this.#emit('warn', key, msg, fields);
  }

  error(key: string, msg: string, fields: Record<string, unknown>): void {
    this.#emit('error', key, msg, fields);
  }

  #emit(level: 'warn' | 'error', key: string, msg: string, fields: Record<string, unknown>): void {
    const t = this.now();
    const seen = this.#last.get(key);
    if (seen && t - seen.at < this.intervalMs) {
      seen.suppressed += 1;
      return;
    }
    this.#last.set(key, { at: t, suppressed: 0 });
    this.log[level](msg, seen && seen.suppressed > 0 ? { ...fields, suppressed: seen.suppressed } : fields);
  }
}
