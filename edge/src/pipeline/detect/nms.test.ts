import { describe, expect, it } from 'vitest';
import type { Box, Detection } from '../types.js';
import { iou, nms } from './nms.js';

const det = (classId: number, box: Box, score: number): Detection => ({ label: `c${classId}`, classId, box, score });

describe('iou', () => {
  it('is 1 for identical boxes and 0 for disjoint or touching ones', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
  });

  it('measures partial overlap', () => {
    // 5x10 overlap, union 150.
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 10);
    // One box inside the other.
    expect(iou([0, 0, 10, 10], [2, 2, 7, 7])).toBeCloseTo(25 / 100, 10);
  });

  it('is 0 for degenerate boxes', () => {
    expect(iou([5, 5, 5, 5], [5, 5, 5, 5])).toBe(0);
  });
});

describe('nms', () => {
  it('suppresses lower-scoring overlaps of the same class only', () => {
    const person = det(0, [0, 0, 100, 200], 0.9);
    const personDup = det(0, [5, 5, 105, 205], 0.8);
    const phoneInside = det(67, [2, 2, 98, 198], 0.3);
    const otherPerson = det(0, [300, 0, 400, 200], 0.5);
    const kept = nms([personDup, phoneInside, otherPerson, person], 0.5);
    expect(kept).toEqual([person, otherPerson, phoneInside]);
  });

  it('keeps overlaps at or below the threshold', () => {
    const a = det(1, [0, 0, 10, 10], 0.9);
    const b = det(1, [5, 0, 15, 10], 0.8); // iou 1/3
    expect(nms([a, b], 0.5)).toHaveLength(2);
    expect(nms([a, b], 0.3)).toEqual([a]);
  });

  it('caps the number of detections and leaves the input untouched', () => {
    const input = [det(0, [0, 0, 1, 1], 0.1), det(0, [10, 10, 11, 11], 0.7), det(0, [20, 20, 21, 21], 0.4)];
    const copy = [...input];
    expect(nms(input, 0.5, 2).map((d) => d.score)).toEqual([0.7, 0.4]);
    expect(input).toEqual(copy);
  });

  it('handles no detections', () => {
    expect(nms([], 0.5)).toEqual([]);
  });
});
