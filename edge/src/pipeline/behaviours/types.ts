/** Shapes of the per-camera behaviour engine: confirmed tracks in, behaviour events out. */
import type { ZoneKind } from '../../config/schema.js';
import type { Box, PhoneState } from '../types.js';

/**
 * What the behaviours need from a tracked person. The tracker's `Track` is one; only this much is
 * required so the engine can be tested, and fed, without the tracker.
 */
export interface TrackView {
  id: number;
  /** Pixels of the analysed frame. */
  box: Box;
  state: 'tentative' | 'confirmed' | 'lost';
  /** Smoothed over time by the tracker. */
  phone: PhoneState;
  phoneScore: number;
}

export interface BehaviourFrame {
  /** Wall-clock ms from the frame's media timestamp, so files and live cameras give the same events. */
  atMs: number;
  width: number;
  height: number;
  tracks: readonly TrackView[];
}

export const BEHAVIOURS = ['phone_at_atm', 'emoney_lingering'] as const;
export type BehaviourName = (typeof BEHAVIOURS)[number];

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface BehaviourEvent {
  type: 'start' | 'update' | 'end';
  /** Stable for one episode: the same on its start, updates and end. */
  eventKey: string;
  behaviour: BehaviourName;
  cameraId: string;
  zoneId: string;
  zoneKind: ZoneKind;
  atmId?: string;
  /** The track the presence is followed by now. */
  trackId: number;
  /** Every track id the presence went through, oldest first. */
  trackIds: number[];
  /** Never lowers during an episode. */
  severity: Severity;
  /** When the behaviour was recognised (the start event's `atMs`). */
  startedAtMs: number;
  atMs: number;
  /** On `end`: the last time the behaviour was seen to hold (before the gap that ended it). */
  endedAtMs?: number;
  /** Seconds in the zone so far, from the first entry of the presence (gaps included). */
  dwellSeconds: number;
  phone: PhoneState;
  /** Latest box of the person, in frame pixels, for the snapshot. */
  box: Box;
}

export interface BehaviourOptions {
  /**
   * How long a presence outlives its person not being seen in the zone (occlusion, track lost,
   * tracker id change), and how long a behaviour's condition may fail before its event ends.
   */
  gapMs: number;
  /**
   * A new track inherits a presence in its gap when its foot point is within this many of the
   * presence's last box heights of the last foot point.
   */
  rejoinDistance: number;
  /** Shortest time between two `update` events of one episode, unless severity rises. */
  updateIntervalMs: number;
}
