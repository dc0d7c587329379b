import { describe, expect, it } from 'vitest';
import type { Box } from '../types.js';
import { KalmanBox } from './kalman-box.js';

const NOISE = { measurementNoise: 0.05, processNoise: 0.5, initialVelocityStd: 1 };
const boxAt = (cx: number, cy: number, w = 100, h = 200): Box => [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
const centreX = (b: Box): number => (b[0] + b[2]) / 2;

describe('KalmanBox', () => {
  it('starts at the first box with no velocity', () => {
    const k = new KalmanBox([10, 20, 110, 220], NOISE);
    expect(k.box()).toEqual([10, 20, 110, 220]);
    expect(k.velocity()).toEqual([0, 0]);
  });

  it('learns a constant velocity in pixels per second of media time', () => {
    const k = new KalmanBox(boxAt(100, 300), NOISE);
    for (let i = 1; i <= 15; i++) {
      k.predict(100);
      k.update(boxAt(100 + 30 * i, 300)); // 300 px/s
    }
    const [vx, vy] = k.velocity();
    expect(vx).toBeGreaterThan(270);
    expect(vx).toBeLessThan(330);
    expect(Math.abs(vy)).toBeLessThan(5);
  });

  it('predicts across an irregular gap by velocity × gap, not by a frame count', () => {
    const k = new KalmanBox(boxAt(100, 300), NOISE);
    for (let i = 1; i <= 15; i++) {
      k.predict(100);
      k.update(boxAt(100 + 30 * i, 300));
    }
    const before = centreX(k.box());
    k.predict(400);
    // 0.4 s at 300 px/s; one "frame" of 100 ms would have moved it 30 px only.
    expect(centreX(k.box()) - before).toBeGreaterThan(105);
    expect(centreX(k.box()) - before).toBeLessThan(135);
  });

  it('gives the same mean for one 400 ms step as for four 100 ms steps', () => {
    const a = new KalmanBox(boxAt(0, 0), NOISE);
    const b = new KalmanBox(boxAt(0, 0), NOISE);
    for (const k of [a, b]) {
      k.predict(200);
      k.update(boxAt(40, 10, 110, 210));
    }
    a.predict(400);
    for (let i = 0; i < 4; i++) b.predict(100);
    a.box().forEach((v, i) => expect(v).toBeCloseTo(b.box()[i]!, 9));
  });

  it('smooths a jittery still box towards the truth', () => {
    const k = new KalmanBox(boxAt(200, 200), NOISE);
    let worstMeasured = 0;
    for (let i = 1; i <= 30; i++) {
      const jitter = (i % 2 === 0 ? 1 : -1) * 8;
      worstMeasured = Math.max(worstMeasured, Math.abs(jitter));
      k.predict(200);
      k.update(boxAt(200 + jitter, 200));
    }
    expect(Math.abs(centreX(k.box()) - 200)).toBeLessThan(worstMeasured / 2);
  });

  it('ignores a zero or negative step and never predicts a size below a pixel', () => {
    const k = new KalmanBox(boxAt(100, 100, 20, 40), NOISE);
    k.predict(100);
    k.update(boxAt(100, 100, 10, 20)); // shrinking fast
    const before = k.box();
    k.predict(0);
    k.predict(-50);
    expect(k.box()).toEqual(before);
    k.predict(60_000);
    const [x1, y1, x2, y2] = k.box();
    expect(x2 - x1).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(y2 - y1).toBeGreaterThanOrEqual(1 - 1e-9);
  });
});
