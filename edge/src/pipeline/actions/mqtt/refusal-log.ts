/**
 * Log lines for refused MQTT logins and topics, at most one per kind and user a minute: a device
 * set up with an old password retries every few seconds, and a scan tries many names fast. The
 * next line after a quiet spell says how many were not logged.
 */
import type { Logger } from '../../../log/logger.js';

const WINDOW_MS = 60_000;
/** Past this many keys the stale ones are dropped, so random usernames cannot grow the map. */
const MAX_KEYS = 1000;

export class RefusalLog {
  private readonly seen = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  refused(msg: string, key: string, fields: Record<string, unknown>): void {
    const now = this.clock();
    const id = `${msg}\0${key}`;
    const last = this.seen.get(id);
    if (last && now - last.at < WINDOW_MS) {
      last.suppressed++;
      return;
    }
    if (this.seen.size >= MAX_KEYS) this.prune(now);
    this.seen.set(id, { at: now, suppressed: 0 });
    this.log.warn(msg, { ...fields, ...(last?.suppressed ? { notLogged: last.suppressed } : {}) });
  }

  private prune(now: number): void {
    for (const [id, entry] of this.seen) if (now - entry.at >= WINDOW_MS) this.seen.delete(id);
    // Still full within one window: a flood; forget the oldest rather than grow.
    for (const id of this.seen.keys()) {
      if (this.seen.size < MAX_KEYS) break;
      this.seen.delete(id);
    }
  }
}
