/**
 * Matching predicted track boxes to detected boxes by overlap (IoU), optimally rather than greedily
 * (see min-cost-assignment.ts). Pairs below `minIou` never match: a person is not allowed to jump
 * to a box that barely touches their predicted one.
 */
import type { Box } from '../types.js';
import { iou } from '../detect/nms.js';
import { minCostAssignment } from './min-cost-assignment.js';

// One IoU for the whole pipeline: NMS and tracking must agree on what overlap means.
export { iou };

export interface Association {
  /** [track index, detection index] pairs, indices into the given arrays. */
  matches: [number, number][];
  unmatchedTracks: number[];
  unmatchedDetections: number[];
}

/**
 * Maximises the summed IoU of the matched pairs. A gated pair costs the same as leaving both
 * sides unmatched (1 − 0), so the solver never trades a good pair for a forced bad one.
 */
export function associateByIou(tracks: readonly Box[], detections: readonly Box[], minIou: number): Association {
  const overlaps = tracks.map((t) => detections.map((d) => iou(t, d)));
  const matchable = (o: number): boolean => o > 0 && o >= minIou;
  const cost = overlaps.map((row) => row.map((o) => (matchable(o) ? 1 - o : 1)));
  const assigned = minCostAssignment(cost, detections.length);

  const matches: [number, number][] = [];
  const unmatchedTracks: number[] = [];
  const detectionTaken = new Array<boolean>(detections.length).fill(false);
  assigned.forEach((d, t) => {
    if (d >= 0 && matchable(overlaps[t]![d]!)) {
      matches.push([t, d]);
      detectionTaken[d] = true;
    } else {
      unmatchedTracks.push(t);
    }
  });
  const unmatchedDetections: number[] = [];
  detectionTaken.forEach((taken, d) => {
    if (!taken) unmatchedDetections.push(d);
  });
  return { matches, unmatchedTracks, unmatchedDetections };
}
