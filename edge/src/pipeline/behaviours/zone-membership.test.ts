import { describe, expect, it } from 'vitest';
import { zoneSchema } from '../../config/schema.js';
import type { Box } from '../types.js';
import {
  boxShareInPolygon, clipPolygonToBox, footPoint, pointInPolygon, polygonArea, ZoneShape, type Point,
} from './zone-membership.js';

/** A U open at the top: 0..30 wide, 0..30 tall, with a 10 px wide notch from the top down to y = 20. */
const U: Point[] = [[0, 0], [10, 0], [10, 20], [20, 20], [20, 0], [30, 0], [30, 30], [0, 30]];

describe('point in polygon', () => {
  it('finds points inside and outside a convex polygon', () => {
    const square: Point[] = [[0, 0], [10, 0], [10, 10], [0, 10]];
    expect(pointInPolygon([5, 5], square)).toBe(true);
    expect(pointInPolygon([15, 5], square)).toBe(false);
    expect(pointInPolygon([5, -0.01], square)).toBe(false);
  });

  it('handles a concave polygon: the notch is out, the arms and base are in', () => {
    expect(pointInPolygon([15, 10], U)).toBe(false);
    expect(pointInPolygon([5, 10], U)).toBe(true);
    expect(pointInPolygon([25, 10], U)).toBe(true);
    expect(pointInPolygon([15, 25], U)).toBe(true);
  });
});

describe('polygon clipped to a box', () => {
  it('measures area by the shoelace formula, whatever the winding', () => {
    expect(polygonArea(U)).toBe(30 * 30 - 10 * 20);
    expect(polygonArea([...U].reverse())).toBe(700);
  });

  it('gives the exact intersection area of a concave polygon and a box', () => {
    // The box spans both arms and the notch from y = 10 to 25: arms 2 × (5 × 10) + base 20 × 5.
    const box: Box = [5, 10, 25, 25];
    expect(polygonArea(clipPolygonToBox(U, box))).toBeCloseTo(5 * 10 * 2 + 20 * 5, 9);
    expect(boxShareInPolygon(box, U)).toBeCloseTo(200 / 300, 9);
  });

  it('is 1 for a box inside, 0 for a box outside, 0 for an empty box', () => {
    expect(boxShareInPolygon([1, 21, 29, 29], U)).toBeCloseTo(1, 9);
    expect(boxShareInPolygon([12, 2, 18, 18], U)).toBe(0);
    expect(boxShareInPolygon([40, 40, 50, 50], U)).toBe(0);
    expect(boxShareInPolygon([5, 5, 5, 25], U)).toBe(0);
  });

  it('clips a box larger than the polygon to the polygon itself', () => {
    expect(polygonArea(clipPolygonToBox(U, [-10, -10, 40, 40]))).toBeCloseTo(700, 9);
  });
});

describe('zone shape', () => {
  const frame = { width: 640, height: 480 };
  // x 320..576, y 240..456 in a 640×480 frame.
  const rack = [[0.5, 0.5], [0.9, 0.5], [0.9, 0.95], [0.5, 0.95]] as [number, number][];

  it('takes the foot point (bottom-centre) by default; a foot just below the edge is out', () => {
    const zone = new ZoneShape(zoneSchema.parse({ id: 'rack', kind: 'emoney_rack', polygon: rack }));
    expect(footPoint([400, 200, 480, 400])).toEqual([440, 400]);
    expect(zone.contains([400, 200, 480, 455], frame.width, frame.height)).toBe(true);
    expect(zone.contains([400, 200, 480, 457], frame.width, frame.height)).toBe(false);
    // Box mostly inside, but standing left of the zone.
    expect(zone.contains([250, 250, 380, 450], frame.width, frame.height)).toBe(false);
  });

  it('scales the normalised polygon with the frame size', () => {
    const zone = new ZoneShape(zoneSchema.parse({ id: 'rack', kind: 'emoney_rack', polygon: rack }));
    expect(zone.contains([400, 200, 480, 400], 640, 480)).toBe(true);
    expect(zone.contains([400, 200, 480, 400], 1280, 960)).toBe(false);
    expect(zone.contains([800, 400, 960, 800], 1280, 960)).toBe(true);
  });

  it('with overlap membership, needs minOverlap of the box inside', () => {
    const zone = new ZoneShape(zoneSchema.parse({ id: 'rack', kind: 'emoney_rack', polygon: rack, membership: 'overlap', minOverlap: 0.3 }));
    // Feet left of and below the zone, yet (40/100) × (206/220) ≈ 37 % of the box inside.
    const leaning: Box = [260, 250, 360, 470];
    expect(zone.contains(leaning, 640, 480)).toBe(true);
    expect(new ZoneShape(zoneSchema.parse({ id: 'rack', kind: 'emoney_rack', polygon: rack })).contains(leaning, 640, 480)).toBe(false);
    expect(zone.contains([300, 240, 400, 456], 640, 480)).toBe(true); // 80 %
    expect(zone.contains([220, 240, 340, 456], 640, 480)).toBe(false); // 20/120 ≈ 17 %
  });
});
