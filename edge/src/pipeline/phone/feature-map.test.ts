import { describe, expect, it } from 'vitest';
import { cellsPerPixel, poolRegion, type FeatureMap } from './feature-map.js';

/** A 16×16 map of a 640×480 frame stretched to a 64×64 input (stride 4); channel 0 = column, 1 = row. */
function gradientMap(): FeatureMap {
  const height = 16;
  const width = 16;
  const data = new Float32Array(height * width * 2);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    data[(y * width + x) * 2] = x;
    data[(y * width + x) * 2 + 1] = y;
  }
  return { data, height, width, channels: 2, region: { x: 0, y: 0, width: 640, height: 480 }, inputWidth: 64, inputHeight: 64 };
}

describe('poolRegion', () => {
  it('samples where frame pixels land on the map: cell c is centred on frame x = c × 640 / 16', () => {
    const map = gradientMap();
    // A small region centred on cell (5, 3): frame (200, 90).
    const p = poolRegion(map, { cx: 200, cy: 90, halfWidth: 4, halfHeight: 4 });
    expect(p.mean[0]).toBeCloseTo(5, 1);
    expect(p.mean[1]).toBeCloseTo(3, 1);
  });

  it('gives the mean and the max over the region', () => {
    const map = gradientMap();
    // Columns 2..10 (frame x 80..400): mean 6, max near 10 (samples sit inside the region).
    const p = poolRegion(map, { cx: 240, cy: 240, halfWidth: 160, halfHeight: 30 });
    expect(p.mean[0]).toBeCloseTo(6, 5);
    expect(p.max[0]).toBeGreaterThan(9);
    expect(p.max[0]).toBeLessThanOrEqual(10);
  });

  it('clamps a region past the frame edge to the edge cells instead of reading outside the map', () => {
    const p = poolRegion(gradientMap(), { cx: -500, cy: 2000, halfWidth: 10, halfHeight: 10 });
    expect(p.mean[0]).toBe(0);
    expect(p.mean[1]).toBe(15);
  });

  it('pools only the channels asked for, into a caller buffer', () => {
    const out = { mean: new Float32Array(1), max: new Float32Array(1) };
    const p = poolRegion(gradientMap(), { cx: 200, cy: 90, halfWidth: 4, halfHeight: 4 }, out, [1]);
    expect(p).toBe(out);
    expect(out.mean[0]).toBeCloseTo(3, 1);
  });

  it('reports how many map cells a frame pixel spans', () => {
    expect(cellsPerPixel(gradientMap())).toEqual({ x: 16 / 640, y: 16 / 480 });
  });
});
