/**
 * ATM interlock advice (optional, off by default): tells a bank's ATM controller that the customer
 * at an ATM is on a call, so it may pause a transfer until staff have spoken to them; some Japanese
 * banks already stop the transaction after a warning, and Osaka's public-safety commission asks ATM
 * operators to use AI detection that way. The agent only advises: whether a transaction is held,
 * and for how long, is the bank's controller's decision.
 *
 * When to advise `suspend`: a `phone_at_atm` event at that ATM reaches severity high (on a call, not
 * just a phone in hand; a hand alone is too common at an ATM, e.g. reading a PIN from a note). When
 * to advise `resume`, whichever comes first of:
 *   - staff acknowledge the event (with `resumeOn: ack`, the default: staff have spoken to them);
 *   - the event ends (the person left the ATM or put the phone away): a suspension must not outlive
 *     the person it was for and block the next customer;
 *   - `maxSuspendMs` after the suspend: an event may stay open for long (a customer on the phone
 *     for minutes, or a person the tracker keeps seeing), and no false detection may hold an ATM for
 *     longer than this. Each suspend also carries `until`, so a controller resumes by itself even
 *     if the agent dies before it can send the resume.
 *
 * An ATM is suspended once, however many events hold it (two tracks of one person, a companion also
 * on the phone): `suspend` when the first holder arrives, `resume` when the last one leaves.
 *
 * Pure: the caller passes the time, so the rules are tested without clocks.
 */
import { formatTimestamp } from '../store/timestamps.js';
import type { Severity } from '../pipeline/behaviours/types.js';

export type ResumeOn = 'ack' | 'end';

export interface InterlockOptions {
  readonly resumeOn: ResumeOn;
  readonly maxSuspendMs: number;
}

export type SuspendReason = 'phone_call';
export type ResumeReason = 'acknowledged' | 'event_ended' | 'max_duration' | 'agent_restart';

export interface InterlockAdvice {
  readonly action: 'suspend' | 'resume';
  readonly atmId: string;
  /** The event that began the suspension, or whose release ended it. */
  readonly eventId: string;
  readonly reason: SuspendReason | ResumeReason;
  readonly atMs: number;
  /** On `suspend`: when the controller should resume by itself if no `resume` has come. */
  readonly untilMs: number | null;
}

export interface InterlockStep {
  readonly atmId: string;
  readonly eventId: string;
  readonly type: 'start' | 'update' | 'end';
  readonly severity: Severity;
  readonly atMs: number;
}

interface Suspension {
  readonly sinceMs: number;
  /** Events holding the ATM suspended. */
  readonly holders: Set<string>;
}

export class InterlockAdvisor {
  private readonly suspended = new Map<string, Suspension>();
  /** Open events that may not (again) suspend: already released, or acknowledged before a call. */
  private readonly spent = new Set<string>();
  /** Open events by id → their ATM, so an ack (which names only the event) finds its ATM. */
  private readonly atmOf = new Map<string, string>();

  constructor(private readonly options: InterlockOptions) {
    if (!(options.maxSuspendMs > 0)) throw new RangeError(`interlock: maxSuspendMs must be > 0, got ${options.maxSuspendMs}`);
  }

  /** The ATMs suspended now, for status and tests. */
  suspendedAtms(): string[] {
    return [...this.suspended.keys()];
  }

  onStep(step: InterlockStep): InterlockAdvice[] {
    if (step.type === 'end') {
      this.atmOf.delete(step.eventId);
      this.spent.delete(step.eventId);
      return this.release(step.atmId, step.eventId, 'event_ended', step.atMs);
    }
    this.atmOf.set(step.eventId, step.atmId);
    if (step.severity !== 'high' || this.spent.has(step.eventId)) return [];
    const current = this.suspended.get(step.atmId);
    if (current) {
      current.holders.add(step.eventId);
      return [];
    }
    this.suspended.set(step.atmId, { sinceMs: step.atMs, holders: new Set([step.eventId]) });
    return [{
      action: 'suspend', atmId: step.atmId, eventId: step.eventId, reason: 'phone_call',
      atMs: step.atMs, untilMs: step.atMs + this.options.maxSuspendMs,
    }];
  }

  /** Staff acknowledged the event. With `resumeOn: end` this changes nothing. */
  onAck(eventId: string, atMs: number): InterlockAdvice[] {
    if (this.options.resumeOn !== 'ack') return [];
    const atmId = this.atmOf.get(eventId);
    if (atmId === undefined) return [];
    // Staff are already with the customer: a call that starts after the ack needs no suspension.
    this.spent.add(eventId);
    return this.release(atmId, eventId, 'acknowledged', atMs);
  }

  /** Resumes every ATM suspended for `maxSuspendMs` or longer. */
  tick(nowMs: number): InterlockAdvice[] {
    const advice: InterlockAdvice[] = [];
    for (const [atmId, suspension] of this.suspended) {
      if (nowMs - suspension.sinceMs < this.options.maxSuspendMs) continue;
      this.suspended.delete(atmId);
      for (const id of suspension.holders) this.spent.add(id);
      advice.push({ action: 'resume', atmId, eventId: [...suspension.holders].at(-1)!, reason: 'max_duration', atMs: nowMs, untilMs: null });
    }
    return advice;
  }

  private release(atmId: string, eventId: string, reason: ResumeReason, atMs: number): InterlockAdvice[] {
    const suspension = this.suspended.get(atmId);
    if (!suspension?.holders.delete(eventId)) return [];
    if (suspension.holders.size > 0) return [];
    this.suspended.delete(atmId);
    return [{ action: 'resume', atmId, eventId, reason, atMs, untilMs: null }];
  }
}

export interface InterlockPayload {
  action: 'suspend' | 'resume';
  eventId: string;
  reason: SuspendReason | ResumeReason;
  at: string;
  until: string | null;
}

/** The JSON for `mimamori/<site>/atm/<atmId>/interlock` (the outbox adds `seq`). */
export function interlockPayload(advice: InterlockAdvice, offsetMinutes?: number): InterlockPayload {
  return {
    action: advice.action,
    eventId: advice.eventId,
    reason: advice.reason,
    at: formatTimestamp(advice.atMs, offsetMinutes),
    until: advice.untilMs === null ? null : formatTimestamp(advice.untilMs, offsetMinutes),
  };
}
