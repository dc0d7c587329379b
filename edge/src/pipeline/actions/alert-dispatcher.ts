/**
 * Turns stored event steps into what people see: the event message for every subscriber, the
 * warning on the ATM's own monitor (rate-limited), and the clerk alert so staff can speak to the
 * customer (声かけ). Everything goes through the outbox, so nothing is lost while the broker is
 * away. No message ever carries an image: clerk alerts link to the snapshot on the local dashboard.
 */
import type { AlertsConfig } from '../../config/schema.js';
import type { Logger } from '../../log/logger.js';
import type { NewOutboxMessage } from '../../store/store.js';
import type { RecordedEvent } from '../events/event-recorder.js';
import { eventMessage } from './event-messages.js';
import { WarningLimiter } from './warnings/warning-limiter.js';
import { atmWarningPayload, clerkAlertPayload } from './warnings/warning-payloads.js';

export interface Outbox {
  enqueue(message: NewOutboxMessage): { seq: number };
}

export const atmWarningTopic = (site: string, atmId: string): string => `mimamori/${site}/atm/${atmId}/warning`;
export const clerkAlertsTopic = (site: string): string => `mimamori/${site}/clerk/alerts`;

const SEVERITY_RANK = { low: 0, medium: 1, high: 2 } as const;

export class AlertDispatcher {
  private readonly limiter = new WarningLimiter();
  /** Severity each open event was last alerted at, so a clerk hears again only when it rises. */
  private readonly alerted = new Map<string, keyof typeof SEVERITY_RANK>();

  constructor(
    private readonly site: string,
    private readonly outbox: Outbox,
    private readonly config: AlertsConfig,
    private readonly log: Logger,
  ) {}

  /** Staff are dealing with it: no further clerk alerts for this event, even if severity rises. */
  acknowledged(eventId: string): void {
    this.alerted.set(eventId, 'high');
  }

  handle(recorded: RecordedEvent): void {
    const { step, record } = recorded;
    this.outbox.enqueue(eventMessage(this.site, recorded));

    if (record.behaviour === 'phone_at_atm' && step.atmId) {
      const decision = this.limiter.decide({ atmId: step.atmId, eventId: record.id, type: step.type, severity: record.severity, atMs: step.atMs });
      if (decision.action !== 'none') {
        this.outbox.enqueue({
          topic: atmWarningTopic(this.site, step.atmId),
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
        this.log.info('atm warning', { atm: step.atmId, event: record.id, action: decision.action, reason: decision.reason });
      }
    }

    const previous = this.alerted.get(record.id);
    if (step.type === 'end') {
      this.alerted.delete(record.id);
      return;
    }
    if (previous !== undefined && SEVERITY_RANK[record.severity] <= SEVERITY_RANK[previous]) return;
    this.alerted.set(record.id, record.severity);
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
        at: step.atMs,
      }) },
    });
  }
}
