/** Shapes of the agent's JSON that the live, zones and health screens read. */
export type Role = 'clerk' | 'bank' | 'investigator' | 'admin';
export type ZoneKind = 'atm' | 'emoney_rack' | 'register' | 'entrance';
export type Point = [number, number];

export interface Zone {
  id: string;
  kind: ZoneKind;
  polygon: Point[];
  atmId?: string;
  membership?: 'foot' | 'overlap';
  minOverlap?: number;
  minSeconds?: number;
  dwellSeconds?: number;
}

export interface CameraInfo {
  id: string;
  state: string;
  width: number | null;
  height: number | null;
  lastFrameAt: string | null;
  /** Whether this user may fetch its live picture. */
  live: boolean;
  zones: Zone[];
}

export interface CameraList {
  cameras: CameraInfo[];
  zonesSavable: boolean;
}

export interface EventItem {
  id: string;
  camera: string;
  zone: string;
  behaviour: 'phone_at_atm' | 'emoney_lingering';
  severity: 'low' | 'medium' | 'high';
  trackId: number;
  startedAt: string;
  endedAt: string | null;
  dwellSeconds: number;
  phone: 'call' | 'hand' | 'none';
  snapshot: boolean;
  ack: { by: string; at: string } | null;
}

export interface ClipInfo {
  eventId: string;
  segments: number;
  seconds: number;
  url: string;
}
