/**
 * Whether a person's box is in a zone: by the foot point (bottom-centre of the box, where the
 * person stands on the floor plane the zone is drawn on) or by the share of the box inside the
 * zone (for cameras looking down at a counter or ATM where feet are out of view).
 */
import type { ZoneConfig } from '../../config/schema.js';
import type { Box } from '../types.js';

export type Point = readonly [number, number];

export function footPoint(box: Box): [number, number] {
  return [(box[0] + box[2]) / 2, box[3]];
}

/** Zone corners in frame pixels. */
export function polygonInPixels(polygon: readonly Point[], width: number, height: number): Point[] {
  return polygon.map(([x, y]) => [x * width, y * height] as const);
}

/** Even–odd ray casting: correct for concave polygons too. Points exactly on an edge may go either way. */
export function pointInPolygon(p: Point, polygon: readonly Point[]): boolean {
  const [px, py] = p;
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Absolute area (shoelace). */
export function polygonArea(polygon: readonly Point[]): number {
  let twice = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    twice += xj * yi - xi * yj;
  }
  return Math.abs(twice) / 2;
}

/**
 * Sutherland–Hodgman clip of a polygon to an axis-aligned box. The box is convex, which is all the
 * algorithm needs; a concave zone may come out with zero-width bridges along the box edges, which
 * add no area, so the shoelace area of the result is still the exact intersection area.
 */
export function clipPolygonToBox(polygon: readonly Point[], box: Box): Point[] {
  const [x1, y1, x2, y2] = box;
  let out: Point[] = [...polygon];
  out = clipHalfPlane(out, (p) => p[0] >= x1, (a, b) => atX(a, b, x1));
  out = clipHalfPlane(out, (p) => p[0] <= x2, (a, b) => atX(a, b, x2));
  out = clipHalfPlane(out, (p) => p[1] >= y1, (a, b) => atY(a, b, y1));
  out = clipHalfPlane(out, (p) => p[1] <= y2, (a, b) => atY(a, b, y2));
  return out;
}

/** Share of the box's area inside the polygon, in [0, 1]; 0 for an empty box. */
export function boxShareInPolygon(box: Box, polygon: readonly Point[]): number {
  const boxArea = (box[2] - box[0]) * (box[3] - box[1]);
  if (!(boxArea > 0)) return 0;
  return Math.min(1, polygonArea(clipPolygonToBox(polygon, box)) / boxArea);
}

/** A zone with its polygon kept in pixels for the current frame size. */
export class ZoneShape {
  private pixels: Point[] = [];
  private width = -1;
  private height = -1;

  constructor(readonly zone: ZoneConfig) {}

  contains(box: Box, width: number, height: number): boolean {
    if (width !== this.width || height !== this.height) {
      this.pixels = polygonInPixels(this.zone.polygon, width, height);
      this.width = width;
      this.height = height;
    }
    if (this.zone.membership === 'overlap') {
      const share = boxShareInPolygon(box, this.pixels);
      return share > 0 && share >= this.zone.minOverlap;
    }
    return pointInPolygon(footPoint(box), this.pixels);
  }
}

function clipHalfPlane(polygon: readonly Point[], inside: (p: Point) => boolean, cross: (a: Point, b: Point) => Point): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < polygon.length; i++) {
    const cur = polygon[i]!;
    const prev = polygon[(i + polygon.length - 1) % polygon.length]!;
    const curIn = inside(cur);
    if (curIn !== inside(prev)) out.push(cross(prev, cur));
    if (curIn) out.push(cur);
  }
  return out;
}

function atX(a: Point, b: Point, x: number): Point {
  const t = (x - a[0]) / (b[0] - a[0]);
  return [x, a[1] + t * (b[1] - a[1])];
}

function atY(a: Point, b: Point, y: number): Point {
  const t = (y - a[1]) / (b[1] - a[1]);
  return [a[0] + t * (b[0] - a[0]), y];
}
