/**
 * Stored events and what hangs off them: the list (api/routes/event-routes.ts), the dashboard's
 * ack (ack-routes.ts), the snapshot (snapshot-routes.ts) and the clip (clip-routes.ts).
 */
import { z } from 'zod';
import { isoTime } from './time.js';

/** Spelled out here (the dashboard cannot compile pipeline/ or the store); the contract test checks they agree. */
export const BEHAVIOURS = ['phone_at_atm', 'emoney_lingering'] as const;
export const SEVERITIES = ['low', 'medium', 'high'] as const;
export const PHONE_STATES = ['call', 'hand', 'none'] as const;

export const behaviour = z.enum(BEHAVIOURS);
export const severity = z.enum(SEVERITIES);
export type Behaviour = z.infer<typeof behaviour>;
export type Severity = z.infer<typeof severity>;

const cameraId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a camera id');
const limitMessage = 'must be a whole number from 1 to 1000';

export const eventQuery = z.strictObject({
  camera: cameraId.optional(),
  behaviour: z.enum(BEHAVIOURS, { message: `must be one of ${BEHAVIOURS.join(', ')}` }).optional(),
  severity: z.enum(SEVERITIES, { message: `must be one of ${SEVERITIES.join(', ')}` }).optional(),
  // A query string has no booleans: only the two words are accepted, never "1" or "yes".
  acknowledged: z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true').optional(),
  limit: z.coerce.number({ message: limitMessage }).int(limitMessage).min(1, limitMessage).max(1000, limitMessage).default(100),
});

/** Event ids are UUIDs (v7), as the MQTT ack topic requires. */
export const eventIdParams = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be an event id (a lower-case UUID)'),
});

/** Looser than eventIdParams: an id that is no UUID is simply not found (404), as for any id not stored. */
export const clipParams = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be an event id') });

/** An event as `mimamori events list --json` prints it (wire/event-json.ts): field names and order are the contract. */
export const eventLine = z.strictObject({
  id: z.string(),
  camera: z.string(),
  zone: z.string(),
  behaviour,
  severity,
  trackId: z.int(),
  startedAt: isoTime,
  endedAt: isoTime.nullable().describe('null while the event is open'),
  dwellSeconds: z.number().min(0),
});
export type EventLine = z.infer<typeof eventLine>;

export const eventItem = eventLine.extend({
  phone: z.enum(PHONE_STATES),
  snapshot: z.boolean().describe('Whether GET /api/events/{id}/snapshot has a picture'),
  ack: z.strictObject({ by: z.string(), at: isoTime }).nullable().describe('The first acknowledgement'),
});
export type EventItem = z.infer<typeof eventItem>;

export const eventList = z.array(eventItem);
export type EventList = z.infer<typeof eventList>;

/** Nothing to send yet: the ack is who (the session) and when (now). */
export const ackBody = z.strictObject({});

export const ackResult = z.strictObject({ eventId: z.string(), by: z.string(), ackedAt: isoTime, source: z.enum(['mqtt', 'dashboard']) });
export type AckResult = z.infer<typeof ackResult>;

export const clipInfo = z.strictObject({
  eventId: z.string(),
  camera: z.string(),
  from: isoTime,
  to: isoTime,
  segments: z.int().min(1),
  seconds: z.number().min(0).describe('Footage found in the range, to 0.1 s'),
  url: z.string().describe('The MP4 to play'),
});
export type ClipInfo = z.infer<typeof clipInfo>;
