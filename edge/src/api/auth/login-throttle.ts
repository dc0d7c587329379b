/**
 * Brakes on password guessing, and on login floods that would starve the cameras.
 *
 * - Backoff per username and per client address: after `userFailures` (`addressFailures`) wrong
 *   logins in a row, the next attempt must wait `lockoutSeconds`, doubling with each further wrong
 *   login up to `maxLockoutSeconds`. Attempts during the wait are answered 429 without hashing, so
 *   they cost the device nothing and tell the guesser nothing. The count is forgotten after
 *   `maxLockoutSeconds` without a wrong login; a successful login clears that username's count
 *   (not the address's: one valid account must not reset an address's guessing budget). Unknown
 *   usernames are counted exactly like known ones, so the answers do not tell which names exist.
 * - One password hash at a time. scrypt runs on libuv's threadpool, the same 4 threads that fs,
 *   DNS and zlib use; a parallel flood of logins held them all and dropped a camera from 4 to 0.2
 *   analysed frames/s. A login arriving while a hash runs is answered 429 at once rather than
 *   queued, so a flood never builds a backlog of 32 MiB scrypt calls.
 */
import type { LoginLimits } from '../../config/schema.js';

/** Keys remembered per kind; a flood of made-up usernames must not grow memory without bound. */
const MAX_TRACKED = 10_000;

interface Failures {
  count: number;
  lastAt: number;
}

/** Wrong-login counts for one kind of key (usernames, or addresses). */
class FailureCounts {
  private readonly entries = new Map<string, Failures>();

  constructor(private readonly free: number, private readonly baseMs: number, private readonly maxMs: number) {}

  /** Milliseconds `key` must still wait before its next attempt (0: it may try now). */
  waitMs(key: string, now: number): number {
    const f = this.live(key, now);
    if (!f || f.count < this.free) return 0;
    const lockMs = Math.min(this.maxMs, this.baseMs * 2 ** (f.count - this.free));
    return Math.max(0, f.lastAt + lockMs - now);
  }

  /** Records a wrong login; returns the count in a row. */
  fail(key: string, now: number): number {
    const count = (this.live(key, now)?.count ?? 0) + 1;
    // Re-inserted so the map's order is oldest activity first, the order to evict in.
    this.entries.delete(key);
    this.entries.set(key, { count, lastAt: now });
    if (this.entries.size > MAX_TRACKED) this.entries.delete(this.entries.keys().next().value!);
    return count;
  }

  clear(key: string): void {
    this.entries.delete(key);
  }

  /** Whether this wrong login is the one that starts a wait (logged once, not per attempt). */
  startsLockout(count: number): boolean {
    return count === this.free;
  }

  private live(key: string, now: number): Failures | undefined {
    const f = this.entries.get(key);
    if (f && now - f.lastAt >= this.maxMs) {
      this.entries.delete(key);
      return undefined;
    }
    return f;
  }
}

export type LoginRefusal =
  | { readonly reason: 'user' | 'address'; readonly retryAfterSeconds: number }
  | { readonly reason: 'busy'; readonly retryAfterSeconds: number };

export class LoginThrottle {
  private readonly users: FailureCounts;
  private readonly addresses: FailureCounts;
  private hashing = false;

  constructor(readonly limits: LoginLimits, private readonly now: () => number = Date.now) {
    const base = limits.lockoutSeconds * 1000;
    const max = limits.maxLockoutSeconds * 1000;
    this.users = new FailureCounts(limits.userFailures, base, max);
    this.addresses = new FailureCounts(limits.addressFailures, base, max);
  }

  /**
   * Null when this attempt may be checked now; the caller then owns the hash slot and must call
   * release(). Otherwise why not, and after how many seconds to try again.
   */
  begin(username: string, address: string): LoginRefusal | null {
    const now = this.now();
    const userWait = this.users.waitMs(username, now);
    const addressWait = this.addresses.waitMs(address, now);
    if (userWait > 0 || addressWait > 0) {
      return { reason: userWait >= addressWait ? 'user' : 'address', retryAfterSeconds: Math.ceil(Math.max(userWait, addressWait) / 1000) };
    }
    if (this.hashing) return { reason: 'busy', retryAfterSeconds: 1 };
    this.hashing = true;
    return null;
  }

  release(): void {
    this.hashing = false;
  }

  /** A wrong login; returns which counts just reached their limit (for one log line each). */
  failed(username: string, address: string): { userLocked: boolean; addressLocked: boolean } {
    const now = this.now();
    return {
      userLocked: this.users.startsLockout(this.users.fail(username, now)),
      addressLocked: this.addresses.startsLockout(this.addresses.fail(address, now)),
    };
  }

  succeeded(username: string): void {
    this.users.clear(username);
  }
}
