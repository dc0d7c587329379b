import { describe, expect, it } from 'vitest';
import type { Box } from '../types.js';
import { associateByIou, iou } from './associate.js';

describe('iou', () => {
  it('is 1 for the same box, 0 for disjoint or touching boxes, and symmetric', () => {
    const a: Box = [0, 0, 10, 10];
    expect(iou(a, a)).toBe(1);
    expect(iou(a, [10, 0, 20, 10])).toBe(0);
    expect(iou(a, [5, 0, 15, 10])).toBeCloseTo(50 / 150);
    expect(iou([5, 0, 15, 10], a)).toBeCloseTo(50 / 150);
    expect(iou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0);
  });
});

describe('associateByIou', () => {
  it('never matches below minIou', () => {
    const r = associateByIou([[0, 0, 10, 10]], [[8, 0, 18, 10]], 0.2);
    expect(r.matches).toEqual([]);
    expect(r.unmatchedTracks).toEqual([0]);
    expect(r.unmatchedDetections).toEqual([0]);
  });

  it('maximises the summed overlap where greedy best-IoU would strand a track', () => {
    // Track 0 overlaps detection 0 best (0.54) and detection 1 less (0.43); track 1 overlaps only
    // detection 0 (0.18). Greedy gives track 0 detection 0 and strands track 1; the optimum pairs both.
    const tracks: Box[] = [[10, 0, 20, 10], [0, 0, 10, 10]];
    const detections: Box[] = [[7, 0, 17, 10], [14, 0, 24, 10]];
    expect(iou(tracks[0]!, detections[0]!)).toBeGreaterThan(iou(tracks[0]!, detections[1]!));
    expect(iou(tracks[1]!, detections[1]!)).toBe(0);
    const r = associateByIou(tracks, detections, 0.15);
    expect(r.matches.sort()).toEqual([[0, 1], [1, 0]]);
    expect(r.unmatchedTracks).toEqual([]);
    expect(r.unmatchedDetections).toEqual([]);
  });

  it('reports leftovers on both sides', () => {
    const r = associateByIou([[0, 0, 10, 10], [100, 100, 110, 110]], [[1, 0, 11, 10], [50, 50, 60, 60]], 0.3);
    expect(r.matches).toEqual([[0, 0]]);
    expect(r.unmatchedTracks).toEqual([1]);
    expect(r.unmatchedDetections).toEqual([1]);
  });
});
