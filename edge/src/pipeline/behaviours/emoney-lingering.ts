/**
 * emoney_lingering: someone staying at the prepaid/e-money card rack. With a phone in use at the
 * same time it is the classic pattern of a victim buying gift cards on a caller's instructions, so
 * the event rises to high.
 */
import type { ZoneConfig } from '../../config/schema.js';
import type { BehaviourRule, BehaviourVerdict, PresenceWatcher } from './behaviour-rule.js';
import type { ZonePresence } from './zone-presence.js';

export const emoneyLingering: BehaviourRule = {
  behaviour: 'emoney_lingering',
  appliesTo: (zone) => zone.kind === 'emoney_rack',
  watch: (zone) => new EmoneyLingeringWatcher(zone),
};

class EmoneyLingeringWatcher implements PresenceWatcher {
  /**
   * Phone use anywhere in the presence counts, also before the dwell threshold: a victim on a call
   * while choosing cards, who hangs up just before the clerk could notice, is the pattern itself.
   */
  private phoneSeen = false;

  constructor(private readonly zone: ZoneConfig) {}

  observe(presence: ZonePresence, atMs: number): BehaviourVerdict {
    if (presence.phone !== 'none') this.phoneSeen = true;
    const lingering = atMs - presence.enteredAtMs > this.zone.dwellSeconds * 1000;
    return { start: lingering, hold: lingering, severity: this.phoneSeen ? 'high' : 'medium' };
  }
}
