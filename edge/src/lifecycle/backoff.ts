/**
 * Capped exponential backoff with jitter for reconnecting cameras and recorders. Jitter spreads the
 * reconnects of many cameras behind one failed switch or NVR so they do not all retry in step.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Fraction of the delay added or removed at random: 0.2 gives ±20%. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 60_000, factor: 2, jitter: 0.2 };

/** Delay before retry number `attempt` (0-based); `random` in [0, 1). Pure, for tests. */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: number): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt));
  const spread = base * options.jitter * (2 * random - 1);
  return Math.max(0, Math.round(base + spread));
}

export class Backoff {
  private attempt = 0;
  private readonly options: BackoffOptions;

  constructor(options: Partial<BackoffOptions> = {}, private readonly random: () => number = Math.random) {
    this.options = { ...DEFAULT_BACKOFF, ...options };
    if (!(this.options.initialMs > 0) || !(this.options.maxMs >= this.options.initialMs) || !(this.options.factor >= 1)
      || !(this.options.jitter >= 0 && this.options.jitter < 1)) {
      throw new Error(`invalid backoff options ${JSON.stringify(this.options)}`);
    }
  }

  /** Delay before the next retry; each call grows the next delay until the cap. */
  next(): number {
    const delay = backoffDelayMs(this.attempt, this.options, this.random());
    this.attempt += 1;
    return delay;
  }

  /** Called once the connection delivers again, so the next outage starts from the short delay. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
