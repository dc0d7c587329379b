import { describe, expect, it } from 'vitest';
import { minCostAssignment } from './min-cost-assignment.js';

/** Cheapest assignment by trying every one (rows ≤ columns). */
function bruteForce(cost: number[][], columns: number): number {
  let best = Infinity;
  const used = new Array<boolean>(columns).fill(false);
  const walk = (row: number, sum: number): void => {
    if (row === cost.length) {
      best = Math.min(best, sum);
      return;
    }
    for (let c = 0; c < columns; c++) {
      if (used[c]) continue;
      used[c] = true;
      walk(row + 1, sum + cost[row]![c]!);
      used[c] = false;
    }
  };
  walk(0, 0);
  return best;
}

/** Small deterministic generator so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const total = (cost: number[][], rowToCol: number[]): number =>
  rowToCol.reduce((sum, c, r) => sum + (c >= 0 ? cost[r]![c]! : 0), 0);

describe('minCostAssignment', () => {
  it('beats greedy when the single best pair is the wrong one', () => {
    // Greedy takes (0,0)=0.1 and is left with (1,1)=0.9: total 1.0; the optimum is 0.2 + 0.3.
    const cost = [
      [0.1, 0.2],
      [0.3, 0.9],
    ];
    expect(minCostAssignment(cost, 2)).toEqual([1, 0]);
  });

  it('finds the optimum on random square and rectangular matrices', () => {
    const rand = lcg(7);
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + Math.floor(rand() * 5);
      const columns = 1 + Math.floor(rand() * 5);
      const cost = Array.from({ length: rows }, () => Array.from({ length: columns }, () => Math.round(rand() * 10) / 10));
      const assigned = minCostAssignment(cost, columns);
      expect(assigned).toHaveLength(rows);
      const cols = assigned.filter((c) => c >= 0);
      expect(new Set(cols).size).toBe(cols.length);
      expect(cols.length).toBe(Math.min(rows, columns));
      const expected = rows <= columns
        ? bruteForce(cost, columns)
        : bruteForce(Array.from({ length: columns }, (_, c) => cost.map((row) => row[c]!)), rows);
      expect(total(cost, assigned)).toBeCloseTo(expected, 9);
    }
  });

  it('handles empty sides', () => {
    expect(minCostAssignment([], 3)).toEqual([]);
    expect(minCostAssignment([[], []], 0)).toEqual([-1, -1]);
  });
});
