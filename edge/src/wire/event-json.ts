/** A stored event as it leaves the agent: `mimamori events list --json` and the API's event routes. */
import type { EventRecord } from '../store/store.js';
import { formatTimestamp } from '../store/timestamps.js';
import type { EventLine } from './api/events.js';

/** The documented JSON line: field names and order are part of the contract (wire/api/events.ts). */
export function eventJsonLine(e: EventRecord): EventLine {
  return {
    id: e.id,
    camera: e.camera,
    zone: e.zone,
    behaviour: e.behaviour,
    severity: e.severity,
    trackId: e.trackId,
    startedAt: formatTimestamp(e.startedAt),
    endedAt: e.endedAt === null ? null : formatTimestamp(e.endedAt),
    dwellSeconds: e.dwellSeconds,
  };
}
