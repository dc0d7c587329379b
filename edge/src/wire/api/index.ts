/**
 * The API's contract, one entry per route: what it takes, what it answers and who may call it.
 * The routes (api/routes/*.ts) parse requests with these schemas and declare their results as the
 * inferred types, the dashboard reads the same types, `GET /api/openapi.json` and docs/api.md are
 * built from this list, and the contract test fails for a route registered without an entry.
 */
import type { z } from 'zod';
import { auditList, auditQuery, auditVerdict } from './audit.js';
import { cameraIdParams, cameraList, liveQuery } from './cameras.js';
import { ackBody, ackResult, clipInfo, clipParams, eventIdParams, eventList, eventQuery } from './events.js';
import { exportList, exportNameParams, exportStarted, startExportBody } from './exports.js';
import { hold, holdBody, holdIdParams, holdList, holdsQuery, releaseBody } from './holds.js';
import { atmParams, kioskCheck, kioskQuery, kioskStreamMessage, staffStreamMessage } from './live.js';
import { openApiDocumentShape } from './openapi-shape.js';
import { loggedOut, loginBody, session, type Role } from './sessions.js';
import { agentStatus } from './status.js';
import { bundleQuery, verifyBody, verifyReport } from './verify.js';
import { zonesBody, zonesSaved } from './zones.js';

/**
 * Who may call a route: a session with one of `roles` (admin may call everything), any logged-in
 * user (`session`), anyone (`public`), or only an ATM kiosk's read-only token (`kiosk`).
 */
export type Access = { readonly roles: readonly Role[] } | 'session' | 'public' | 'kiosk';

/** Files the API sends or takes as they are, not as JSON. */
export type FileType = 'image/jpeg' | 'video/mp4' | 'application/zip';

export type ResponseContract =
  | { readonly status: number; readonly json: z.ZodType }
  | { readonly status: number; readonly file: FileType }
  /** Server-Sent Events: each `data:` line is one message of this schema. */
  | { readonly status: number; readonly events: z.ZodType };

export interface RouteContract {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** As fastify spells it: `/api/events/:id/ack`. */
  readonly path: string;
  /** The group the route is listed under. */
  readonly tag: string;
  readonly summary: string;
  readonly access: Access;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType | { readonly file: FileType };
  readonly response: ResponseContract;
}

const STAFF: Access = { roles: ['clerk', 'bank', 'investigator'] };
const INVESTIGATORS: Access = { roles: ['investigator'] };
const ok = (json: z.ZodType, status = 200): ResponseContract => ({ status, json });
const file = (type: FileType): ResponseContract => ({ status: 200, file: type });
const stream = (message: z.ZodType): ResponseContract => ({ status: 200, events: message });

export const API_ROUTES: readonly RouteContract[] = [
  {
    method: 'POST', path: '/api/login', tag: 'Sessions', access: 'public', body: loginBody, response: ok(session),
    summary: 'Log in: sets the HttpOnly session cookie. Wrong logins in a row are answered 429 with Retry-After.',
  },
  {
    method: 'POST', path: '/api/logout', tag: 'Sessions', access: 'public', response: ok(loggedOut),
    summary: 'Log out: ends the session the cookie names and clears the cookie.',
  },
  {
    method: 'GET', path: '/api/session', tag: 'Sessions', access: 'session', response: ok(session),
    summary: 'Who is logged in, and until when.',
  },

  {
    method: 'GET', path: '/api/status', tag: 'Status', access: 'session', response: ok(agentStatus),
    summary: 'Cameras, broker, analysis, inference workers and storage, as `mimamori status` shows them. Open without a session from the device itself.',
  },

  {
    method: 'GET', path: '/api/events', tag: 'Events', access: STAFF, query: eventQuery, response: ok(eventList),
    summary: 'Stored events, newest first, each with its first acknowledgement. Banks see phone_at_atm events only.',
  },
  {
    method: 'POST', path: '/api/events/:id/ack', tag: 'Events', access: { roles: ['clerk'] }, params: eventIdParams, body: ackBody, response: ok(ackResult),
    summary: '"I\'ll handle it": records the ack by the logged-in clerk, stops the alert and publishes the ack on MQTT.',
  },
  {
    method: 'GET', path: '/api/events/:id/snapshot', tag: 'Events', access: STAFF, params: eventIdParams, response: file('image/jpeg'),
    summary: "The event's snapshot. Every view is an audit entry (snapshot.view); banks see phone_at_atm events only.",
  },
  {
    method: 'GET', path: '/api/events/:id/clip', tag: 'Events', access: STAFF, params: clipParams, response: ok(clipInfo),
    summary: "Whether the event has footage, and how much, before a player is opened. Not audited.",
  },
  {
    method: 'GET', path: '/api/events/:id/clip.mp4', tag: 'Events', access: STAFF, params: clipParams, response: file('video/mp4'),
    summary: "The event's footage as a fragmented MP4, video only, made on the fly. Every view is an audit entry (clip.view).",
  },

  {
    method: 'GET', path: '/api/stream', tag: 'Live', access: STAFF, response: stream(staffStreamMessage),
    summary: "Live updates for the logged-in user's role: a state message, then one message per update and a ping every ~15 s.",
  },
  {
    method: 'GET', path: '/api/atm/:atmId/kiosk', tag: 'Live', access: 'kiosk', params: atmParams, query: kioskQuery, response: ok(kioskCheck),
    summary: "Whether a kiosk token is good for this ATM (a refused stream: token revoked, or agent restarting?).",
  },
  {
    method: 'GET', path: '/api/atm/:atmId/stream', tag: 'Live', access: 'kiosk', params: atmParams, query: kioskQuery, response: stream(kioskStreamMessage),
    summary: "This ATM's warnings, for its kiosk page, with the kiosk token.",
  },

  {
    method: 'GET', path: '/api/cameras', tag: 'Cameras', access: STAFF, response: ok(cameraList),
    summary: "The running cameras this user may see, with state, picture size and zones. Banks see cameras with an ATM zone only.",
  },
  {
    method: 'GET', path: '/api/cameras/:id/live.jpg', tag: 'Cameras', access: { roles: ['clerk', 'bank'] }, params: cameraIdParams, query: liveQuery, response: file('image/jpeg'),
    summary: 'The latest analysed frame with zones and tracked people drawn; X-Frame-Seq and X-Frame-At say which.',
  },
  {
    method: 'PUT', path: '/api/cameras/:id/zones', tag: 'Cameras', access: { roles: ['admin'] }, params: cameraIdParams, body: zonesBody, response: ok(zonesSaved),
    summary: "Saves a camera's zones into the site file (comments kept, a backup beside it) and applies them from the next frame.",
  },

  {
    method: 'GET', path: '/api/holds', tag: 'Holds', access: INVESTIGATORS, query: holdsQuery, response: ok(holdList),
    summary: 'Legal holds, oldest first.',
  },
  {
    method: 'POST', path: '/api/holds', tag: 'Holds', access: INVESTIGATORS, body: holdBody, response: ok(hold, 201),
    summary: 'Places a legal hold (audited as hold.create under the logged-in user).',
  },
  {
    method: 'POST', path: '/api/holds/:id/release', tag: 'Holds', access: INVESTIGATORS, params: holdIdParams, body: releaseBody, response: ok(hold),
    summary: 'Releases a hold; 409 when it was already released.',
  },
  {
    method: 'GET', path: '/api/audit', tag: 'Holds', access: INVESTIGATORS, query: auditQuery, response: ok(auditList),
    summary: 'Audit log entries, oldest first.',
  },
  {
    method: 'GET', path: '/api/audit/verify', tag: 'Holds', access: INVESTIGATORS, response: ok(auditVerdict),
    summary: "The audit chain's verdict, as `mimamori audit verify --json`.",
  },

  {
    method: 'POST', path: '/api/holds/:id/exports', tag: 'Exports', access: INVESTIGATORS, params: holdIdParams, body: startExportBody, response: ok(exportStarted, 202),
    summary: 'Starts an export of the hold as a signed zip; 409 while one runs for the hold, 503 while the device runs its limit.',
  },
  {
    method: 'GET', path: '/api/exports', tag: 'Exports', access: INVESTIGATORS, response: ok(exportList),
    summary: 'Finished bundles and the exports of this run still running or failed, newest first.',
  },
  {
    method: 'GET', path: '/api/exports/:name/download', tag: 'Exports', access: INVESTIGATORS, params: exportNameParams, response: file('application/zip'),
    summary: 'A finished bundle as an attachment (audited as export.download before the first byte).',
  },
  {
    method: 'POST', path: '/api/verify', tag: 'Exports', access: INVESTIGATORS, body: verifyBody, response: ok(verifyReport),
    summary: "Checks a manifest's signature (the texts of manifest.json and manifest.sig), with the key given or this device's.",
  },
  {
    method: 'POST', path: '/api/verify/bundle', tag: 'Exports', access: INVESTIGATORS, query: bundleQuery, body: { file: 'application/zip' }, response: ok(verifyReport),
    summary: "Checks a whole bundle zip sent as the body: signature, and every file's size and SHA-256.",
  },

  {
    method: 'GET', path: '/api/openapi.json', tag: 'API', access: 'session', response: ok(openApiDocumentShape),
    summary: 'This API as an OpenAPI 3.1 document.',
  },
];

/** The contract of `method path` (HEAD follows GET), or undefined for a route without one. */
export function routeContract(method: string, path: string): RouteContract | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return API_ROUTES.find((r) => r.method === m && r.path === path);
}
