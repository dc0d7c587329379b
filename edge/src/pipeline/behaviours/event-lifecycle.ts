/**
 * One behaviour's episode for one presence: start → update … → end, at most once per presence.
 * Flickering detections cannot make a storm of events: an episode ends only when its presence
 * ends or its behaviour has stopped holding for the whole gap, and a presence never gets a second.
 */
import type { ZoneConfig } from '../../config/schema.js';
import type { PresenceWatcher } from './behaviour-rule.js';
import { SEVERITIES, type BehaviourEvent, type BehaviourName, type Severity } from './types.js';
import type { ZonePresence } from './zone-presence.js';

export interface EpisodeContext {
  cameraId: string;
  zone: ZoneConfig;
  behaviour: BehaviourName;
  gapMs: number;
  updateIntervalMs: number;
  /** A new event key, unique per camera. */
  nextKey(startedAtMs: number): string;
}

interface OpenEpisode {
  key: string;
  startedAtMs: number;
  severity: Severity;
  lastEmitMs: number;
  /** Last frame the behaviour held. */
  lastHoldMs: number;
}

export class EventLifecycle {
  private open: OpenEpisode | null = null;
  private done = false;

  constructor(private readonly ctx: EpisodeContext, private readonly watcher: PresenceWatcher) {}

  /** Every frame the presence is alive, seen or in its gap. */
  step(presence: ZonePresence, atMs: number): BehaviourEvent[] {
    if (!presence.seen || this.done) return [];
    const verdict = this.watcher.observe(presence, atMs);
    const open = this.open;
    if (!open) {
      if (!verdict.start) return [];
      this.open = { key: this.ctx.nextKey(atMs), startedAtMs: atMs, severity: verdict.severity, lastEmitMs: atMs, lastHoldMs: atMs };
      return [this.event('start', presence, atMs)];
    }
    if (verdict.hold) open.lastHoldMs = atMs;
    else if (atMs - open.lastHoldMs > this.ctx.gapMs) return this.end(presence, atMs);
    const escalated = rank(verdict.severity) > rank(open.severity);
    if (escalated) open.severity = verdict.severity;
    if (!escalated && atMs - open.lastEmitMs < this.ctx.updateIntervalMs) return [];
    open.lastEmitMs = atMs;
    return [this.event('update', presence, atMs)];
  }

  /** The presence has ended (or the camera stopped): closes an open episode. */
  end(presence: ZonePresence, atMs: number): BehaviourEvent[] {
    this.done = true;
    if (!this.open) return [];
    const event = this.event('end', presence, atMs);
    event.endedAtMs = this.open.lastHoldMs;
    this.open = null;
    return [event];
  }

  private event(type: BehaviourEvent['type'], presence: ZonePresence, atMs: number): BehaviourEvent {
    const open = this.open!;
    const { zone } = this.ctx;
    const event: BehaviourEvent = {
      type,
      eventKey: open.key,
      behaviour: this.ctx.behaviour,
      cameraId: this.ctx.cameraId,
      zoneId: zone.id,
      zoneKind: zone.kind,
      trackId: presence.trackId,
      trackIds: [...presence.trackIds],
      severity: open.severity,
      startedAtMs: open.startedAtMs,
      atMs,
      dwellSeconds: (Math.min(atMs, presence.lastSeenMs) - presence.enteredAtMs) / 1000,
      phone: presence.phone,
      box: [...presence.box],
    };
    if (zone.atmId !== undefined) event.atmId = zone.atmId;
    return event;
  }
}

function rank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}
