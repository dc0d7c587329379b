/**
 * Which clerk alerts are due, and whether the relay beside the register is on.
 *
 * A clerk alert goes out when an event starts and again when its severity rises. A clerk serving
 * at the register can miss one, so an alert nobody has acknowledged is sent again every `resendMs`
 * while its event lasts, at most `maxResends` times: a few reminders reach a busy clerk, while an
 * endless repeat would teach staff to ignore the device. An acknowledgement ends the reminders (and
 * any further alert for the event); so does the end of the event.
 *
 * The relay signal (a revolving light or buzzer) is on while any alerted event is open and not
 * acknowledged, and off otherwise.
 *
 * Pure: the caller passes the time, so the rules are tested without clocks.
 */
import { SEVERITIES, type Severity } from '../pipeline/behaviours/types.js';

export interface ClerkAlertOptions {
  /** Time between re-sends of an unacknowledged alert. */
  readonly resendMs: number;
  /** Re-sends per alert (a rise in severity is a new alert); 0 never re-sends. */
  readonly maxResends: number;
}

export interface DueAlert {
  readonly eventId: string;
  /** 0 for the alert itself, 1.. for its re-sends. */
  readonly resend: number;
}

interface OpenAlert {
  severity: Severity;
  lastSentMs: number;
  resends: number;
  acked: boolean;
}

const rank = (s: Severity): number => SEVERITIES.indexOf(s);

export class ClerkAlertTracker {
  private readonly open = new Map<string, OpenAlert>();

  constructor(private readonly options: ClerkAlertOptions) {
    if (!(options.resendMs > 0)) throw new RangeError(`clerk alerts: resendMs must be > 0, got ${options.resendMs}`);
    if (!(Number.isInteger(options.maxResends) && options.maxResends >= 0)) {
      throw new RangeError(`clerk alerts: maxResends must be a whole number ≥ 0, got ${options.maxResends}`);
    }
  }

  /**
   * An event step: on `start`, or an `update` that raises the severity of an unacknowledged event,
   * the alert is due now (returned); `end` forgets the event.
   */
  onStep(eventId: string, type: 'start' | 'update' | 'end', severity: Severity, atMs: number): DueAlert | null {
    if (type === 'end') {
      this.open.delete(eventId);
      return null;
    }
    const alert = this.open.get(eventId);
    if (alert === undefined) {
      // An update for an event never seen (the agent restarted mid-event) still alerts once.
      this.open.set(eventId, { severity, lastSentMs: atMs, resends: 0, acked: false });
      return { eventId, resend: 0 };
    }
    if (alert.acked || rank(severity) <= rank(alert.severity)) return null;
    Object.assign(alert, { severity, lastSentMs: atMs, resends: 0 });
    return { eventId, resend: 0 };
  }

  /** Staff acknowledged; false when the event is not open or was already acknowledged. */
  onAck(eventId: string): boolean {
    const alert = this.open.get(eventId);
    if (alert === undefined || alert.acked) return false;
    alert.acked = true;
    return true;
  }

  /** The re-sends due at `nowMs`, each counted as sent. */
  due(nowMs: number): DueAlert[] {
    const due: DueAlert[] = [];
    for (const [eventId, alert] of this.open) {
      if (alert.acked || alert.resends >= this.options.maxResends || nowMs - alert.lastSentMs < this.options.resendMs) continue;
      alert.resends += 1;
      alert.lastSentMs = nowMs;
      due.push({ eventId, resend: alert.resends });
    }
    return due;
  }

  /** Whether the relay should be on: some open event is alerted and not acknowledged. */
  get signal(): boolean {
    for (const alert of this.open.values()) if (!alert.acked) return true;
    return false;
  }
}
