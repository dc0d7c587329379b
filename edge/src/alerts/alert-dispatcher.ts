/**
 * Turns stored event steps into what people see: the event message for every subscriber, the
 * warning on the ATM's own monitor (rate-limited), the optional interlock advice to the bank's ATM
 * controller, the clerk alert so staff can speak to the customer (声かけ) with reminders until
 * someone acknowledges it, and the relay signal beside the register. Everything goes through the
 * outbox, so nothing is lost while the broker is away. No message ever carries an image: clerk
 * alerts link to the snapshot on the local dashboard.
 *
 * Time: event-driven messages carry their step's time; reminders and the interlock's time limit
 * are driven by tick(), which start() runs every second on the injected clock and tests call with
 * the time they want.
 */
import type { AlertsConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { EventRecord } from '../store/store.js';
import type { RecordedEvent } from '../pipeline/events/event-recorder.js';
import { ClerkAlertTracker } from './clerk-alerts.js';
import { eventMessage } from './event-messages.js';
import { InterlockAdvisor, interlockPayload, type InterlockAdvice } from './interlock.js';
import { rawMessage } from '../mqtt/outbox-publisher.js';
import type { Outbox } from '../mqtt/outbox.js';
import { WarningLimiter } from './warnings/warning-limiter.js';
import { atmWarningPayload, clerkAlertPayload } from './warnings/warning-payloads.js';

export const atmWarningTopic = (site: string, atmId: string): string => `mimamori/${site}/atm/${atmId}/warning`;
export const atmInterlockTopic = (site: string, atmId: string): string => `mimamori/${site}/atm/${atmId}/interlock`;
export const clerkAlertsTopic = (site: string): string => `mimamori/${site}/clerk/alerts`;
export const clerkSignalTopic = (site: string): string => `mimamori/${site}/clerk/signal`;

export const SIGNAL_ON = 'on';
export const SIGNAL_OFF = 'off';

export interface AlertDispatcherOptions {
  /** Epoch-ms clock for acknowledgements and tick() (default Date.now). */
  readonly now?: () => number;
  /** How often start() runs tick() (default 1000 ms). */
  readonly tickMs?: number;
}

export class AlertDispatcher {
  private readonly limiter = new WarningLimiter();
  private readonly clerk: ClerkAlertTracker;
  private readonly interlock: InterlockAdvisor | null;
  /** The latest record of each open event, to re-send its alert with current details. */
  private readonly records = new Map<string, EventRecord>();
  /** The relay state last enqueued; null before start(). */
  private signal: boolean | null = null;
  private readonly now: () => number;
  private readonly tickMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly site: string,
    private readonly outbox: Outbox,
    private readonly config: AlertsConfig,
    private readonly log: Logger,
    options: AlertDispatcherOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.tickMs = options.tickMs ?? 1000;
    this.clerk = new ClerkAlertTracker({ resendMs: config.clerkResendSeconds * 1000, maxResends: config.clerkResendMax });
    this.interlock = config.interlock.enabled
      ? new InterlockAdvisor({ resumeOn: config.interlock.resumeOn, maxSuspendMs: config.interlock.maxSuspendSeconds * 1000 })
      : null;
  }

  /**
   * Sets the relay to `off` (retained): at start no alert is open, and an `on` left retained by a
   * run that crashed must not keep the light turning. Then runs tick() every `tickMs`.
   */
  start(): void {
    if (this.timer !== undefined) return;
    this.setSignal(false, 'agent started');
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  /** Stops the reminders' timer; idempotent. Open events still end through handle(). */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The ATMs the interlock holds suspended now. */
  suspendedAtms(): string[] {
    return this.interlock?.suspendedAtms() ?? [];
  }

  handle(recorded: RecordedEvent): void {
    const { step, record } = recorded;
    this.outbox.enqueue(eventMessage(this.site, recorded));

    if (record.behaviour === 'phone_at_atm' && step.atmId) {
      this.atmWarning(recorded, step.atmId);
      if (this.interlock) {
        this.advise(this.interlock.onStep({ atmId: step.atmId, eventId: record.id, type: step.type, severity: record.severity, atMs: step.atMs }));
      }
    }

    if (step.type === 'end') this.records.delete(record.id);
    else this.records.set(record.id, record);
    const due = this.clerk.onStep(record.id, step.type, record.severity, step.atMs);
    if (due) this.clerkAlert(record, due.resend, step.atMs);
    this.updateSignal(step.type === 'end' ? `event ${record.id} ended` : `event ${record.id} alerted`);
  }

  /** Staff are dealing with it: no further clerk alerts or reminders, even if severity rises. */
  acknowledged(eventId: string): void {
    const atMs = this.now();
    if (this.clerk.onAck(eventId)) this.log.info('clerk alert acknowledged, reminders stopped', { event: eventId });
    if (this.interlock) this.advise(this.interlock.onAck(eventId, atMs));
    this.updateSignal(`event ${eventId} acknowledged`);
  }

  /** Sends the reminders that are due and resumes ATMs held for the interlock's maximum. */
  tick(nowMs: number = this.now()): void {
    try {
      for (const due of this.clerk.due(nowMs)) {
        const record = this.records.get(due.eventId);
        if (!record) continue;
        this.clerkAlert(record, due.resend, nowMs);
        this.log.info('clerk alert re-sent', { event: due.eventId, resend: due.resend, of: this.config.clerkResendMax });
      }
      if (this.interlock) this.advise(this.interlock.tick(nowMs));
    } catch (error) {
      // From a timer: a failing outbox (database closed at shutdown) must not crash the agent.
      this.log.error('alert tick failed', { error });
    }
  }

  /**
   * Events a crashed run left open were ended at start; an ATM may still be suspended for one.
   * Resume those ATMs now rather than leave them to the controller's own time limit.
   */
  resumeAfterRestart(leftOpen: readonly EventRecord[]): void {
    if (!this.interlock) return;
    const atMs = this.now();
    for (const e of leftOpen) {
      const atmId = e.details.atmId;
      if (e.behaviour !== 'phone_at_atm' || e.severity !== 'high' || typeof atmId !== 'string') continue;
      this.advise([{ action: 'resume', atmId, eventId: e.id, reason: 'agent_restart', atMs, untilMs: null }]);
    }
  }

  private atmWarning({ step, record }: RecordedEvent, atmId: string): void {
    const decision = this.limiter.decide({ atmId, eventId: record.id, type: step.type, severity: record.severity, atMs: step.atMs });
    if (decision.action === 'none') return;
    this.outbox.enqueue({
      topic: atmWarningTopic(this.site, atmId),
      qos: 1,
      retain: false,
      payload: { ...atmWarningPayload({
        action: decision.action,
        eventId: record.id,
        behaviour: record.behaviour,
        severity: record.severity,
        languages: this.config.atmLanguages,
        until: decision.action === 'show' ? new Date(step.atMs + this.config.warningSeconds * 1000) : null,
      }) },
    });
    this.log.info('atm warning', { atm: atmId, event: record.id, action: decision.action, reason: decision.reason });
  }

  private advise(advice: readonly InterlockAdvice[]): void {
    for (const a of advice) {
      this.outbox.enqueue({ topic: atmInterlockTopic(this.site, a.atmId), qos: 1, retain: false, payload: { ...interlockPayload(a) } });
      this.log.info('atm interlock', { atm: a.atmId, event: a.eventId, action: a.action, reason: a.reason });
    }
  }

  private clerkAlert(record: EventRecord, resend: number, atMs: number): void {
    this.outbox.enqueue({
      topic: clerkAlertsTopic(this.site),
      qos: 1,
      retain: false,
      payload: { ...clerkAlertPayload({
        eventId: record.id,
        behaviour: record.behaviour,
        severity: record.severity,
        zone: record.zone,
        camera: record.camera,
        lang: this.config.clerkLanguage,
        snapshotUrl: this.config.dashboardUrl && record.snapshotPath
          ? new URL(`api/events/${record.id}/snapshot`, this.config.dashboardUrl).toString()
          : null,
        at: atMs,
        resend,
      }) },
    });
  }

  private updateSignal(why: string): void {
    if (this.signal !== null && this.clerk.signal !== this.signal) this.setSignal(this.clerk.signal, why);
  }

  /** Retained, so a relay that (re)connects gets the current state at once. */
  private setSignal(on: boolean, why: string): void {
    this.signal = on;
    this.outbox.enqueue(rawMessage(clerkSignalTopic(this.site), on ? SIGNAL_ON : SIGNAL_OFF, { qos: 1, retain: true }));
    this.log.info('clerk signal', { signal: on ? SIGNAL_ON : SIGNAL_OFF, why });
  }
}
