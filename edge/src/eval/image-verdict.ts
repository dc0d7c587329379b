/** One label per image, from a frame analysis: the most alarming state of anyone in it. */
import type { FrameAnalysis } from '../pipeline/types.js';
import type { EvalLabel } from './metrics.js';

export function imageVerdict(analysis: FrameAnalysis): EvalLabel {
  if (analysis.people.some((p) => p.phone === 'call')) return 'phone_call';
  if (analysis.people.some((p) => p.phone === 'hand')) return 'phone_in_hand';
  return analysis.people.length > 0 ? 'no_phone_person' : 'no_person';
}
