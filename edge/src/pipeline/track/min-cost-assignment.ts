/**
 * Minimum-cost assignment of rows to columns (Hungarian method, shortest augmenting paths with
 * potentials, O(n²·m)). Used instead of greedy best-IoU matching because when two people cross,
 * the single best pair can be the wrong one and greedy then forces the other person onto the
 * leftover box; the optimal assignment weighs both pairs together. Scenes hold a handful of people,
 * so the cubic cost is negligible.
 */

/**
 * Returns, for each row, the column assigned to it, or -1. Every row is assigned when there are at
 * least as many columns as rows, and every column when there are more rows.
 */
export function minCostAssignment(cost: readonly (readonly number[])[], columns: number): number[] {
  const rows = cost.length;
  if (rows === 0 || columns === 0) return new Array<number>(rows).fill(-1);
  if (rows <= columns) return assignRows(rows, columns, (r, c) => cost[r]![c]!);
  const colToRow = assignRows(columns, rows, (c, r) => cost[r]![c]!);
  const rowToCol = new Array<number>(rows).fill(-1);
  colToRow.forEach((r, c) => {
    if (r >= 0) rowToCol[r] = c;
  });
  return rowToCol;
}

/** Core for n ≤ m; arrays are 1-based with index 0 as the virtual start column. */
function assignRows(n: number, m: number, at: (row: number, col: number) => number): number[] {
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  /** Row (1-based) holding each column, 0 when free. */
  const owner = new Int32Array(m + 1);
  const previous = new Int32Array(m + 1);
  const minSlack = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);

  for (let row = 1; row <= n; row++) {
    owner[0] = row;
    let col0 = 0;
    minSlack.fill(Infinity);
    used.fill(0);
    do {
      used[col0] = 1;
      const r0 = owner[col0]!;
      let delta = Infinity;
      let col1 = 0;
      for (let col = 1; col <= m; col++) {
        if (used[col]) continue;
        const slack = at(r0 - 1, col - 1) - u[r0]! - v[col]!;
        if (slack < minSlack[col]!) {
          minSlack[col] = slack;
          previous[col] = col0;
        }
        if (minSlack[col]! < delta) {
          delta = minSlack[col]!;
          col1 = col;
        }
      }
      for (let col = 0; col <= m; col++) {
        if (used[col]) {
          u[owner[col]!] = u[owner[col]!]! + delta;
          v[col] = v[col]! - delta;
        } else {
          minSlack[col] = minSlack[col]! - delta;
        }
      }
      col0 = col1;
    } while (owner[col0] !== 0);
    do {
      const col1 = previous[col0]!;
      owner[col0] = owner[col1]!;
      col0 = col1;
    } while (col0 !== 0);
  }

  const rowToCol = new Array<number>(n).fill(-1);
  for (let col = 1; col <= m; col++) {
    const row = owner[col]!;
    if (row > 0) rowToCol[row - 1] = col - 1;
  }
  return rowToCol;
}
