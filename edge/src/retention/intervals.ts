/**
 * Half-open time ranges [lo, hi) in epoch ms: merging event windows of one camera and testing a
 * segment against them by binary search, so labelling a planned segment costs a few comparisons
 * rather than a loop over events.
 */

export interface Interval {
  readonly lo: number;
  readonly hi: number;
}

/** Sorted, disjoint ranges covering exactly the input; touching ranges are joined; empty ones dropped. */
export function mergeIntervals(input: Iterable<Interval>): Interval[] {
  const sorted = [...input].filter((i) => i.hi > i.lo).sort((a, b) => a.lo - b.lo || a.hi - b.hi);
  const out: { lo: number; hi: number }[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.lo <= last.hi) last.hi = Math.max(last.hi, i.hi);
    else out.push({ lo: i.lo, hi: i.hi });
  }
  return out;
}

/** Whether [start, end) overlaps any of the merged ranges (start < hi and end > lo). */
export function overlapsAny(merged: readonly Interval[], start: number, end: number): boolean {
  // The last range starting before `end` is the only candidate: every earlier one ends at or
  // before that one starts.
  let lo = 0;
  let hi = merged.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((merged[mid] as Interval).lo < end) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (found < 0) return false;
  const candidate = merged[found] as Interval;
  return candidate.hi > start;
}
