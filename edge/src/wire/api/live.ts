/**
 * The live screens' Server-Sent Events (api/routes/stream-routes.ts, api/live/live-bus.ts). Each
 * stream opens with a `state` message, then carries one message per live update and a `ping`
 * every ~15 s. A live update's `data` is the MQTT payload as published (docs/mqtt.md).
 */
import { z } from 'zod';
import { isoTime } from './time.js';

export const LIVE_KINDS = ['event', 'atm_warning', 'interlock', 'clerk_alert', 'ack', 'signal'] as const;
export type LiveKind = (typeof LIVE_KINDS)[number];

const payload = z.record(z.string(), z.unknown()).describe('The MQTT payload, as docs/mqtt.md describes it');

export const liveMessage = z.strictObject({
  kind: z.enum(LIVE_KINDS),
  seq: z.int().min(0).describe('The outbox seq (also the SSE id); 0 for an ack that came over MQTT'),
  atmId: z.string().optional().describe('The ATM of an atm_warning or interlock message'),
  data: payload,
});
export type LiveMessageJson = z.infer<typeof liveMessage>;

export const ping = z.strictObject({ kind: z.literal('ping'), at: isoTime });

const ack = z.strictObject({ by: z.string(), at: z.string() });
export const clerkAlertState = z.strictObject({
  alert: payload.describe('The latest clerk alert payload for the event'),
  status: z.enum(['open', 'acked', 'ended']),
  ack: ack.nullable(),
  ended: z.boolean().describe('The event has ended (the customer left), acknowledged or not'),
});
export type ClerkAlertStateJson = z.infer<typeof clerkAlertState>;

/** What a store clerk's screen catches up on. */
const clerkState = {
  clerkAlerts: z.array(clerkAlertState).describe('Open alerts and the last handled or ended ones, oldest first'),
  signal: z.enum(['on', 'off']).nullable().describe('The relay signal last sent; null before the alerts started'),
};
/** What a bank's screen catches up on. */
const bankState = {
  atmWarnings: z.record(z.string(), payload).describe('The warning each ATM shows now, by ATM id'),
  atmLanguages: z.array(z.string()).describe('The order ATM displays cycle languages in'),
};
const opening = { kind: z.literal('state'), now: isoTime.describe("The agent's clock") };

/** The opening message of `GET /api/stream`: what this role may see of what shows now. */
export const staffState = z.union([
  z.strictObject({ ...opening, role: z.literal('clerk'), ...clerkState }),
  z.strictObject({ ...opening, role: z.literal('bank'), ...bankState }),
  z.strictObject({ ...opening, role: z.enum(['investigator', 'admin']), ...clerkState, ...bankState }),
]);
export type StaffState = z.infer<typeof staffState>;

export const staffStreamMessage = z.union([staffState, liveMessage, ping]);
export type StaffStreamMessage = z.infer<typeof staffStreamMessage>;

export const atmParams = z.strictObject({ atmId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an ATM id (letters, digits, "-" and "_")') });
export const kioskQuery = z.strictObject({
  token: z.string({ message: 'required: the kiosk token from `mimamori users kiosk-token`' }).regex(/^[A-Za-z0-9_-]{20,100}$/, 'must be a kiosk token'),
});

export const kioskCheck = z.strictObject({ atmId: z.string(), site: z.string() });
export type KioskCheck = z.infer<typeof kioskCheck>;

/** The opening message of an ATM kiosk's stream: that ATM's warning now, if any. */
export const kioskState = z.strictObject({
  ...opening,
  atmId: z.string(),
  warning: payload.nullable(),
  atmLanguages: bankState.atmLanguages,
});
export type KioskState = z.infer<typeof kioskState>;

export const kioskStreamMessage = z.union([kioskState, liveMessage, ping]);
export type KioskStreamMessage = z.infer<typeof kioskStreamMessage>;
