/**
 * phone_at_atm: someone at an ATM with a phone at the ear or in the hand, the scene the police
 * ask banks to interrupt (「ATMでの携帯電話はしない、させない」). A call is high severity: the
 * caller is talking the victim through the transfer right now.
 */
import type { ZoneConfig } from '../../config/schema.js';
import type { BehaviourRule, BehaviourVerdict, PresenceWatcher } from './behaviour-rule.js';
import type { ZonePresence } from './zone-presence.js';

export const phoneAtAtm: BehaviourRule = {
  behaviour: 'phone_at_atm',
  appliesTo: (zone) => zone.kind === 'atm',
  watch: (zone) => new PhoneAtAtmWatcher(zone),
};

class PhoneAtAtmWatcher implements PresenceWatcher {
  /** Start of the current unbroken run of phone use; null while the phone is down. */
  private runSinceMs: number | null = null;
  private callInRun = false;

  constructor(private readonly zone: ZoneConfig) {}

  observe(presence: ZonePresence, atMs: number): BehaviourVerdict {
    const onPhone = presence.phone !== 'none';
    if (!onPhone) {
      this.runSinceMs = null;
      this.callInRun = false;
    } else {
      this.runSinceMs ??= atMs;
      if (presence.phone === 'call') this.callInRun = true;
    }
    return {
      // Entering needs an unbroken run (the tracker's smoothing already bridges single bad frames);
      // staying only needs the phone now, the lifecycle's gap bridges the rest.
      start: this.runSinceMs !== null && atMs - this.runSinceMs >= this.zone.minSeconds * 1000,
      hold: onPhone,
      severity: this.callInRun ? 'high' : 'medium',
    };
  }
}
