/**
 * Shapes of the agent's JSON that the live, zones and health screens read: the API's contract
 * (edge/src/wire/api), imported as types only, so the pages compile against what the agent sends.
 */
import type { ZoneDraft } from '../../../edge/src/wire/api/zones.js';

export type { Role, Session } from '../../../edge/src/wire/api/sessions.js';
export type { CameraInfo, CameraList } from '../../../edge/src/wire/api/cameras.js';
export type { AckResult, ClipInfo, EventItem } from '../../../edge/src/wire/api/events.js';
export type { AgentStatus, CameraStatus } from '../../../edge/src/wire/api/status.js';
export type { ZonesBody, ZonesSaved } from '../../../edge/src/wire/api/zones.js';
export type { KioskStreamMessage, StaffStreamMessage } from '../../../edge/src/wire/api/live.js';

/** A zone as the editor holds and sends it: the settings with defaults may be left out. */
export type Zone = ZoneDraft;
export type ZoneKind = Zone['kind'];
export type Point = Zone['polygon'][number];
