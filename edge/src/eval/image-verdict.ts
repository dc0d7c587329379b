/** One label per image, from a frame analysis: the most alarming state of anyone in it. */
import type { FrameAnalysis, PersonResult, PhoneState } from '../pipeline/types.js';
import type { EvalLabel } from './metrics.js';

export type Method = 'learned' | 'rule';

/**
 * A person's phone state by one method, from an analysis the head decided: `phone` is the head's
 * (people beyond maxPeople get no pose, so neither method says anything of them), and the rule's
 * verdict rides in the evidence. From an analysis the rule decided, both are the rule's.
 */
export function personPhone(p: PersonResult, method: Method): PhoneState {
  return method === 'rule' ? (p.evidence.rule?.phone ?? p.phone) : p.phone;
}

export function imageVerdict(analysis: FrameAnalysis, method?: Method): EvalLabel {
  const phone = (p: PersonResult): PhoneState => (method ? personPhone(p, method) : p.phone);
  if (analysis.people.some((p) => phone(p) === 'call')) return 'phone_call';
  if (analysis.people.some((p) => phone(p) === 'hand')) return 'phone_in_hand';
  return analysis.people.length > 0 ? 'no_phone_person' : 'no_person';
}
