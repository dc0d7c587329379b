import { describe, expect, it } from 'vitest';
import { KEYPOINT_NAMES } from '../types.js';
import { keypointsToFrame, poseCrop } from './movenet.js';

describe('poseCrop', () => {
  it('is a square 1.25 times the longer side, centred on the box', () => {
    expect(poseCrop([100, 50, 180, 250])).toEqual({ x: 15, y: 25, width: 250, height: 250 });
  });

  it('keeps its centre near the frame edge (the outside is padded, not shifted)', () => {
    const crop = poseCrop([0, 0, 40, 100]);
    expect(crop.x + crop.width / 2).toBe(20);
    expect(crop.x).toBeLessThan(0);
  });

  it('never collapses for a degenerate box', () => {
    expect(poseCrop([10, 10, 10, 10]).width).toBeGreaterThan(0);
  });
});

describe('keypointsToFrame', () => {
  it('maps normalised (y, x) in the crop to frame pixels with names in COCO order', () => {
    const raw = new Float32Array(17 * 3);
    raw.set([0.5, 0.5, 0.9], 0); // nose at the crop centre
    raw.set([0, 1, 0.3], 9 * 3); // left wrist at the crop's top-right corner
    const crop = { x: -20, y: 40, width: 200, height: 200 };
    const kps = keypointsToFrame(raw, crop);
    expect(kps.map((k) => k.name)).toEqual([...KEYPOINT_NAMES]);
    expect(kps[0]).toMatchObject({ name: 'nose', x: 80, y: 140 });
    expect(kps[0]?.score).toBeCloseTo(0.9, 6);
    expect(kps[9]).toMatchObject({ name: 'leftWrist', x: 180, y: 40 });
  });

  it('round-trips a point through the crop of a box', () => {
    const box: [number, number, number, number] = [300, 100, 400, 380];
    const crop = poseCrop(box);
    // A point at the box centre sits at the centre of the crop.
    const raw = new Float32Array(17 * 3).fill(0.5);
    const [first] = keypointsToFrame(raw, crop);
    expect(first?.x).toBeCloseTo(350, 6);
    expect(first?.y).toBeCloseTo(240, 6);
  });

  it('rejects a short output', () => {
    expect(() => keypointsToFrame(new Float32Array(10), { x: 0, y: 0, width: 1, height: 1 })).toThrow(/51 MoveNet values/);
  });
});
