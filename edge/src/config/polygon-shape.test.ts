import { describe, expect, it } from 'vitest';
import { MAX_CHECKED_POINTS, polygonShapeProblem } from './polygon-shape.js';

type P = [number, number];

describe('polygonShapeProblem', () => {
  it('accepts triangles, rectangles, concave outlines and either winding', () => {
    const concaveU: P[] = [[0, 0], [0.3, 0], [0.3, 0.7], [0.6, 0.7], [0.6, 0], [0.9, 0], [0.9, 1], [0, 1]];
    for (const ok of [
      [[0.1, 0.1], [0.4, 0.1], [0.4, 0.9]],
      [[0, 0], [1, 0], [1, 1], [0, 1]],
      [[0, 1], [1, 1], [1, 0], [0, 0]],
      concaveU,
      [...concaveU].reverse(),
      // A corner on the straight line between its neighbours is redundant, not wrong.
      [[0, 0], [0.5, 0], [1, 0], [1, 1]],
      // The smallest step the file keeps (4 decimals) is still a turn.
      [[0, 0], [0.0001, 0], [0, 0.0001]],
    ] as P[][]) expect(polygonShapeProblem(ok)).toBeNull();
  });

  it('refuses a repeated corner, naming both', () => {
    expect(polygonShapeProblem([[0, 0], [1, 0], [1, 1], [0, 0], [0, 1]])).toBe('point 3 repeats point 0 ([0, 0]): give each corner once');
    expect(polygonShapeProblem([[0.2, 0.2], [0.2, 0.2], [0.8, 0.8]])).toMatch(/^point 1 repeats point 0/);
  });

  it('refuses outlines with no area: every point on one line', () => {
    expect(polygonShapeProblem([[0, 0], [0.5, 0], [1, 0]])).toBe('encloses no area: all its points lie on one line');
    expect(polygonShapeProblem([[0.1, 0.1], [0.2, 0.2], [0.3, 0.3], [0.7, 0.7]])).toMatch(/^encloses no area/);
    expect(polygonShapeProblem([[0.3, 0.9], [0.3, 0.1], [0.3, 0.5]])).toMatch(/^encloses no area/);
  });

  it('refuses self-crossing outlines: a bow-tie, a figure of eight, a corner touching a far edge', () => {
    expect(polygonShapeProblem([[0, 0], [1, 1], [1, 0], [0, 1]]))
      .toBe('crosses itself: the edge from point 0 to 1 meets the edge from point 2 to 3 (list the corners in order around the zone)');
    expect(polygonShapeProblem([[0, 0], [0.4, 0], [0.6, 1], [1, 1], [1, 0], [0.6, 0], [0.4, 1], [0, 1]])).toMatch(/^crosses itself/);
    // Point 3 lies on the edge from point 0 to 1: the outline pinches into two loops there.
    expect(polygonShapeProblem([[0, 0], [1, 0], [1, 1], [0.5, 0], [0, 1]])).toMatch(/^crosses itself: the edge from point 0 to 1 meets/);
    // The closing edge (last point back to the first) is checked too.
    expect(polygonShapeProblem([[0, 0], [1, 0], [0, 1], [1, 1]])).toMatch(/^crosses itself: the edge from point 1 to 2 meets the edge from point 3 to 0/);
  });

  it('refuses an outline that doubles back along itself', () => {
    expect(polygonShapeProblem([[0, 0], [1, 0], [0.5, 0], [0.5, 1]])).toBe('turns back on itself at point 1 ([1, 0])');
  });

  it('leaves too short and too long lists to the schema bounds', () => {
    expect(polygonShapeProblem([[0, 0], [0, 0]])).toBeNull();
    const many: P[] = Array.from({ length: MAX_CHECKED_POINTS + 1 }, () => [0, 0]);
    expect(polygonShapeProblem(many)).toBeNull();
  });
});
