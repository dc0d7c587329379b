/** What a behaviour (phone at an ATM, lingering at the e-money rack) tells the event lifecycle. */
import type { ZoneConfig } from '../../config/schema.js';
import type { BehaviourName, Severity } from './types.js';
import type { ZonePresence } from './zone-presence.js';

export interface BehaviourVerdict {
  /** The behaviour is established: an event may start. */
  start: boolean;
  /** The behaviour still holds: an open event stays open (looser than `start`, so it does not flap). */
  hold: boolean;
  /** Severity as of this frame; the lifecycle keeps the highest seen. */
  severity: Severity;
}

/** State of one behaviour for one presence. */
export interface PresenceWatcher {
  /** Called for each frame the person is seen in the zone; frames in a gap are skipped, not counted as "no". */
  observe(presence: ZonePresence, atMs: number): BehaviourVerdict;
}

export interface BehaviourRule {
  readonly behaviour: BehaviourName;
  appliesTo(zone: ZoneConfig): boolean;
  /** Fresh state for a presence that has just begun in `zone`. */
  watch(zone: ZoneConfig): PresenceWatcher;
}
