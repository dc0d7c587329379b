/**
 * Log lines for refused MQTT logins and topics, at most one per kind and user a minute: a device
 * set up with an old password retries every few seconds, and a scan tries many names fast. The
 * shared RateLimitedLog writes the latest held-back line with `suppressed` when the minute ends,
 * and bounds its keys, so random usernames cannot grow memory.
 */
import type { Logger } from '../log/logger.js';
import { RateLimitedLog } from '../log/rate-limited-log.js';

export class RefusalLog {
  private readonly limited: RateLimitedLog;

  constructor(log: Logger) {
    this.limited = new RateLimitedLog(log, { intervalMs: 60_000, maxKeys: 1000 });
  }

  refused(msg: string, key: string, fields: Record<string, unknown>): void {
    this.limited.warn(`${msg}\0${key}`, msg, fields);
  }
}
