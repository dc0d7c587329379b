/**
 * Per-camera behaviour engine: each frame's confirmed tracks → presences per zone → behaviour
 * episodes → events. Pure: time comes in with each frame, so a file analysed faster than real
 * time gives the same events as the live camera.
 */
import type { ZoneConfig } from '../../config/schema.js';
import type { BehaviourRule } from './behaviour-rule.js';
import { emoneyLingering } from './emoney-lingering.js';
import { EventLifecycle } from './event-lifecycle.js';
import { phoneAtAtm } from './phone-at-atm.js';
import type { BehaviourEvent, BehaviourFrame, BehaviourOptions } from './types.js';
import { ZoneShape } from './zone-membership.js';
import { ZonePresenceTracker, type ZonePresence } from './zone-presence.js';

export const DEFAULT_BEHAVIOUR_OPTIONS: Readonly<BehaviourOptions> = Object.freeze({
  gapMs: 2000,
  rejoinDistance: 0.5,
  updateIntervalMs: 5000,
});

const RULES: readonly BehaviourRule[] = [phoneAtAtm, emoneyLingering];

interface ZoneState {
  shape: ZoneShape;
  rules: BehaviourRule[];
  presences: ZonePresenceTracker;
  /** Lifecycles per presence seq, one per rule. */
  episodes: Map<number, EventLifecycle[]>;
}

export class BehaviourEngine {
  private readonly options: BehaviourOptions;
  private zones: ZoneState[];
  private episodeCount = 0;
  private lastAtMs = -Infinity;

  constructor(private readonly camera: { id: string; zones: readonly ZoneConfig[] }, options: Partial<BehaviourOptions> = {}) {
    this.options = { ...DEFAULT_BEHAVIOUR_OPTIONS, ...options };
    this.zones = camera.zones.flatMap((zone) => this.zoneState(zone) ?? []);
  }

  /**
   * Swaps the zones while the camera runs (the dashboard's zones editor), between two frames. A
   * zone whose settings are unchanged keeps its presences and open events, so editing one zone
   * never disturbs another. A removed or changed zone ends its open events at `atMs`: what they
   * measured (dwell in that polygon, against that threshold) no longer holds, and an event must not
   * silently change meaning half-way. A changed zone then starts empty, so a person standing in it
   * becomes a new presence from the next frame. Tracks belong to the tracker and are not touched.
   * Returns the `end` events of the zones that changed.
   */
  setZones(zones: readonly ZoneConfig[], atMs: number): BehaviourEvent[] {
    const events: BehaviourEvent[] = [];
    const kept = new Map<string, ZoneState>();
    for (const state of this.zones) {
      const next = zones.find((z) => z.id === state.shape.zone.id);
      if (next && sameZone(next, state.shape.zone)) {
        kept.set(next.id, state);
        continue;
      }
      for (const presence of state.presences.clear()) events.push(...this.endPresence(state, presence, atMs));
    }
    this.zones = zones.flatMap((zone) => kept.get(zone.id) ?? this.zoneState(zone) ?? []);
    return events;
  }

  /** State for a zone, or null for zones no behaviour looks at (register, entrance for now): they cost nothing per frame. */
  private zoneState(zone: ZoneConfig): ZoneState | null {
    const rules = RULES.filter((r) => r.appliesTo(zone));
    if (rules.length === 0) return null;
    return { shape: new ZoneShape(zone), rules, presences: new ZonePresenceTracker(this.options), episodes: new Map() };
  }

  evaluate(frame: BehaviourFrame): BehaviourEvent[] {
    const { atMs } = frame;
    // A clock stepping back (stream reconnect, file looped with reset timestamps) would make
    // negative dwell; close everything at the last good time and start afresh.
    const events = atMs < this.lastAtMs ? this.flush(this.lastAtMs) : [];
    this.lastAtMs = atMs;
    const confirmed = frame.tracks.filter((t) => t.state === 'confirmed');
    const confirmedIds = new Set(confirmed.map((t) => t.id));
    for (const state of this.zones) {
      const inZone = confirmed.filter((t) => state.shape.contains(t.box, frame.width, frame.height));
      const { active, ended } = state.presences.update(atMs, inZone, confirmedIds);
      for (const presence of ended) events.push(...this.endPresence(state, presence, atMs));
      for (const presence of active) {
        for (const lifecycle of this.lifecycles(state, presence)) events.push(...lifecycle.step(presence, atMs));
      }
    }
    return events;
  }

  /** Ends every open episode and forgets every presence, e.g. when the camera stops. */
  flush(atMs: number): BehaviourEvent[] {
    const events: BehaviourEvent[] = [];
    for (const state of this.zones) {
      for (const presence of state.presences.clear()) events.push(...this.endPresence(state, presence, atMs));
    }
    return events;
  }

  private lifecycles(state: ZoneState, presence: ZonePresence): EventLifecycle[] {
    let lifecycles = state.episodes.get(presence.seq);
    if (!lifecycles) {
      const zone = state.shape.zone;
      lifecycles = state.rules.map((rule) => new EventLifecycle({
        cameraId: this.camera.id,
        zone,
        behaviour: rule.behaviour,
        gapMs: this.options.gapMs,
        updateIntervalMs: this.options.updateIntervalMs,
        // The start time keeps keys unique across restarts of the process, the count within one ms.
        nextKey: (startedAtMs) => `${this.camera.id}:${zone.id}:${rule.behaviour}:${startedAtMs}-${++this.episodeCount}`,
      }, rule.watch(zone)));
      state.episodes.set(presence.seq, lifecycles);
    }
    return lifecycles;
  }

  private endPresence(state: ZoneState, presence: ZonePresence, atMs: number): BehaviourEvent[] {
    const lifecycles = state.episodes.get(presence.seq) ?? [];
    state.episodes.delete(presence.seq);
    return lifecycles.flatMap((lifecycle) => lifecycle.end(presence, atMs));
  }
}

/** Zones are plain parsed config (numbers, strings, arrays), so their JSON is a faithful comparison. */
function sameZone(a: ZoneConfig, b: ZoneConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
