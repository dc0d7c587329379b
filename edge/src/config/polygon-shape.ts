/**
 * Whether a zone's outline is a simple polygon: corners each given once, not all on one line, and
 * edges that neither cross nor touch except where neighbours share a corner. A zone that is not
 * decides membership by accident: a bow-tie's middle belongs to neither half, a line holds nobody,
 * and the dashboard draws something other than what the agent tests. Checked by the config
 * schema, so the config file and the zones editor refuse the same outlines.
 */

type Point = readonly [number, number];

/** Outlines longer than this are not checked here (the check is quadratic); callers bound the count. */
export const MAX_CHECKED_POINTS = 1000;

/**
 * Cross products below this are zero: coordinates are 0..1 and kept to 4 decimals, so float
 * rounding (about 1e-16) is far below it and a real turn (at least about 1e-8) far above it.
 */
const EPSILON = 1e-12;

/** What is wrong with the outline, or null when it is a simple polygon (or too short or long to judge here). */
export function polygonShapeProblem(points: readonly Point[]): string | null {
  const n = points.length;
  if (n < 3 || n > MAX_CHECKED_POINTS) return null;
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = `${points[i]![0]},${points[i]![1]}`;
    const first = seen.get(key);
    if (first !== undefined) return `point ${i} repeats point ${first} (${format(points[i]!)}): give each corner once`;
    seen.set(key, i);
  }
  if (allOnOneLine(points)) return 'encloses no area: all its points lie on one line';
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [points[(i + n - 1) % n]!, points[i]!, points[(i + 1) % n]!];
    // Neighbouring edges share a corner; they overlap only when the outline doubles back along itself.
    if (sign(cross(a, b, c)) === 0 && dot(a, b, c) > 0) return `turns back on itself at point ${i} (${format(b)})`;
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // the closing edge neighbours the first
      if (segmentsMeet(points[i]!, points[(i + 1) % n]!, points[j]!, points[(j + 1) % n]!)) {
        return `crosses itself: the edge from point ${i} to ${(i + 1) % n} meets the edge from point ${j} to ${(j + 1) % n} (list the corners in order around the zone)`;
      }
    }
  }
  return null;
}

function allOnOneLine(points: readonly Point[]): boolean {
  const origin = points[0]!;
  // The point farthest from the first fixes the line, so a near neighbour cannot tilt it.
  let far = points[1]!;
  for (const p of points) if (distance2(origin, p) > distance2(origin, far)) far = p;
  return points.every((p) => sign(cross(origin, far, p)) === 0);
}

/** Whether segments ab and cd share any point, touching included. */
function segmentsMeet(a: Point, b: Point, c: Point, d: Point): boolean {
  const o1 = sign(cross(a, b, c));
  const o2 = sign(cross(a, b, d));
  const o3 = sign(cross(c, d, a));
  const o4 = sign(cross(c, d, b));
  if (o1 * o2 < 0 && o3 * o4 < 0) return true;
  return (o1 === 0 && within(a, b, c)) || (o2 === 0 && within(a, b, d)) || (o3 === 0 && within(c, d, a)) || (o4 === 0 && within(c, d, b));
}

/** Whether p, known to be on the line through ab, lies on the segment ab. */
function within(a: Point, b: Point, p: Point): boolean {
  return Math.min(a[0], b[0]) - EPSILON <= p[0] && p[0] <= Math.max(a[0], b[0]) + EPSILON
    && Math.min(a[1], b[1]) - EPSILON <= p[1] && p[1] <= Math.max(a[1], b[1]) + EPSILON;
}

/** (b - a) × (c - a): positive when a, b, c turn left. */
function cross(a: Point, b: Point, c: Point): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

/** (a - b) · (c - b): positive when a and c lie on the same side of b. */
function dot(a: Point, b: Point, c: Point): number {
  return (a[0] - b[0]) * (c[0] - b[0]) + (a[1] - b[1]) * (c[1] - b[1]);
}

function distance2(a: Point, b: Point): number {
  return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2;
}

function sign(v: number): -1 | 0 | 1 {
  return Math.abs(v) < EPSILON ? 0 : v < 0 ? -1 : 1;
}

function format(p: Point): string {
  return `[${p[0]}, ${p[1]}]`;
}
