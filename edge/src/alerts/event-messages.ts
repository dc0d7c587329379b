/**
 * The event lifecycle message for `mimamori/<site>/<camera>/events`: what happened, where, how
 * bad, never an image. The outbox adds `seq` (monotonic, never reused) so receivers can drop the
 * duplicates that at-least-once delivery allows.
 */
import type { NewOutboxMessage } from '../store/store.js';
import { formatTimestamp } from '../store/store.js';
import type { RecordedEvent } from '../pipeline/events/event-recorder.js';

export const eventsTopic = (site: string, camera: string): string => `mimamori/${site}/${camera}/events`;

export function eventMessage(site: string, { step, record }: RecordedEvent): NewOutboxMessage {
  return {
    topic: eventsTopic(site, record.camera),
    qos: 1,
    retain: false,
    payload: {
      type: step.type,
      eventId: record.id,
      behaviour: record.behaviour,
      camera: record.camera,
      zone: record.zone,
      zoneKind: step.zoneKind,
      ...(step.atmId ? { atmId: step.atmId } : {}),
      severity: record.severity,
      phone: record.phone,
      trackId: record.trackId,
      startedAt: formatTimestamp(record.startedAt),
      endedAt: record.endedAt === null ? null : formatTimestamp(record.endedAt),
      dwellSeconds: record.dwellSeconds,
      at: formatTimestamp(step.atMs),
    },
  };
}
