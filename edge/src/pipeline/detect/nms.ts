/** Greedy non-maximum suppression, per class: a phone box never suppresses the person holding it. */
import type { Box, Detection } from '../types.js';

/** Intersection over union of two [x1, y1, x2, y2] boxes; 0 when either is empty. */
export function iou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Keeps the highest-scoring detection of each overlapping group of the same class.
 * Returns the kept detections by descending score, at most maxDetections of them.
 */
export function nms(detections: readonly Detection[], nmsIou: number, maxDetections = Infinity): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const candidate of sorted) {
    if (kept.length >= maxDetections) break;
    let suppressed = false;
    for (const k of kept) {
      if (k.classId === candidate.classId && iou(k.box, candidate.box) > nmsIou) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(candidate);
  }
  return kept;
}
