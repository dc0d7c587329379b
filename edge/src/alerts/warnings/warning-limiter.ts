/**
 * Decides when an ATM's monitor shows or clears a warning. A warning that keeps popping up is
 * learned to be ignored, and a screen that flashes at a customer who is really just checking a
 * balance with a phone in hand is a complaint to the bank; so each episode warns once, the screen
 * rests after a warning, and flickering detections cannot turn into a storm of warnings.
 *
 * Pure: the caller passes the time, so the rules are tested without clocks.
 */
import { SEVERITIES, type Severity } from '../../pipeline/behaviours/types.js';

export interface LimiterOptions {
  /** After a clear, how long before a different event may show on the same ATM. */
  cooldownMs: number;
  /** Shows (re-shows included) per ATM in any 60 s window. */
  maxShowsPerMinute: number;
  /** Events below this severity never reach the customer's screen. */
  minSeverity: Severity;
  /** How many ended event ids are remembered so a late duplicate cannot warn again. */
  rememberEnded: number;
}

export const DEFAULT_LIMITER_OPTIONS: Readonly<LimiterOptions> = {
  cooldownMs: 30_000,
  maxShowsPerMinute: 3,
  minSeverity: 'medium',
  rememberEnded: 1000,
};

export interface LimiterInput {
  atmId: string;
  eventId: string;
  type: 'start' | 'update' | 'end';
  severity: Severity;
  atMs: number;
}

export interface LimiterDecision {
  action: 'show' | 'clear' | 'none';
  /** Why, in a few words, for the log line that goes with every decision. */
  reason: string;
}

const WINDOW_MS = 60_000;

interface AtmState {
  shown: { eventId: string; severity: Severity } | null;
  lastClearAtMs: number | null;
  showTimes: number[];
}

function rank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/**
 * One limiter per agent, shared by all its ATMs. An ATM shows one event at a time; an event that
 * could not show on `start` (screen busy, cool-down, cap) may still show on a later `update` while
 * it lasts. When an `update` raises the severity of the event on screen (phone in hand, then a
 * call), the decision is `show` again for the same event id: the display replaces the text in
 * place with the message for the new severity (the payload carries a new `seq` and `messageKey`),
 * without counting as a second warning of the episode. Such re-shows count towards the per-minute
 * cap but are not refused by it, since they are bounded by the number of severity levels.
 */
export class WarningLimiter {
  private readonly opts: LimiterOptions;
  private readonly atms = new Map<string, AtmState>();
  /** Keyed by ATM and event id: shown at least once and not yet ended. */
  private readonly warned = new Set<string>();
  /** Insertion-ordered, trimmed to `rememberEnded`. */
  private readonly ended = new Set<string>();

  constructor(opts: Partial<LimiterOptions> = {}) {
    this.opts = { ...DEFAULT_LIMITER_OPTIONS, ...opts };
    if (!(this.opts.cooldownMs >= 0)) throw new RangeError(`cooldownMs must be ≥ 0, got ${this.opts.cooldownMs}`);
    if (!(this.opts.maxShowsPerMinute >= 1)) {
      throw new RangeError(`maxShowsPerMinute must be ≥ 1, got ${this.opts.maxShowsPerMinute}`);
    }
  }

  decide(input: LimiterInput): LimiterDecision {
    const atm = this.atm(input.atmId);
    const id = `${input.atmId}\u0000${input.eventId}`;
    atm.showTimes = atm.showTimes.filter((t) => t > input.atMs - WINDOW_MS);

    if (input.type === 'end') {
      this.warned.delete(id);
      this.rememberEnded(id);
      if (atm.shown?.eventId !== input.eventId) return { action: 'none', reason: 'ended without being shown' };
      atm.shown = null;
      atm.lastClearAtMs = input.atMs;
      return { action: 'clear', reason: 'event ended' };
    }

    if (this.ended.has(id)) return { action: 'none', reason: 'event already ended' };

    if (atm.shown?.eventId === input.eventId) {
      if (rank(input.severity) <= rank(atm.shown.severity)) return { action: 'none', reason: 'already shown' };
      const from = atm.shown.severity;
      atm.shown.severity = input.severity;
      atm.showTimes.push(input.atMs);
      return { action: 'show', reason: `severity rose ${from} → ${input.severity}: replace the text` };
    }

    if (this.warned.has(id)) return { action: 'none', reason: 'already warned once' };
    if (rank(input.severity) < rank(this.opts.minSeverity)) {
      return { action: 'none', reason: `severity ${input.severity} below ${this.opts.minSeverity}` };
    }
    if (atm.shown) return { action: 'none', reason: `ATM busy with event ${atm.shown.eventId}` };
    if (atm.lastClearAtMs !== null && input.atMs - atm.lastClearAtMs < this.opts.cooldownMs) {
      return { action: 'none', reason: `cool-down, ${atm.lastClearAtMs + this.opts.cooldownMs - input.atMs} ms left` };
    }
    if (atm.showTimes.length >= this.opts.maxShowsPerMinute) {
      return { action: 'none', reason: `${atm.showTimes.length} shows in the last minute` };
    }

    atm.shown = { eventId: input.eventId, severity: input.severity };
    atm.showTimes.push(input.atMs);
    this.warned.add(id);
    return { action: 'show', reason: input.type === 'start' ? 'event started' : 'event still on, screen free' };
  }

  private atm(atmId: string): AtmState {
    let state = this.atms.get(atmId);
    if (!state) {
      state = { shown: null, lastClearAtMs: null, showTimes: [] };
      this.atms.set(atmId, state);
    }
    return state;
  }

  private rememberEnded(id: string): void {
    this.ended.delete(id);
    this.ended.add(id);
    while (this.ended.size > this.opts.rememberEnded) {
      const oldest = this.ended.values().next();
      if (oldest.done) break;
      this.ended.delete(oldest.value);
    }
  }
}
