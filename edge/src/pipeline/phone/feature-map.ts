/**
 * A detector feature map (NHWC, one image) and how frame pixels land on it, so per-person regions
 * measured in frame pixels can be pooled from it. Pooling samples the map bilinearly on a grid
 * inside the region (as RoIAlign does), so a region smaller than one cell (a far-away head) still
 * gets a sensible value instead of none.
 */
import type { Region } from '../image/resample.js';

export interface FeatureMap {
  /** [height, width, channels] values, row-major, channels last. */
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
  /** The frame region the detector input covered (see fitRegion). */
  region: Region;
  /** Detector input size in pixels; cell (row r, column c) is centred on input pixel (c × stride, r × stride). */
  inputWidth: number;
  inputHeight: number;
}

/** A rectangle in frame pixels by its centre and half sizes. */
export interface PoolRegion {
  cx: number;
  cy: number;
  halfWidth: number;
  halfHeight: number;
}

export interface PooledFeatures {
  mean: Float32Array;
  max: Float32Array;
}

/** Sample grid per side: enough to cover a large region, at least 2 so a tiny one still averages. */
const MIN_GRID = 2;
const MAX_GRID = 8;

/** Frame pixel → continuous map coordinate (cell index units). */
function toMap(map: FeatureMap, x: number, y: number): { u: number; v: number } {
  const strideX = map.inputWidth / map.width;
  const strideY = map.inputHeight / map.height;
  const u = (((x - map.region.x) * map.inputWidth) / map.region.width) / strideX;
  const v = (((y - map.region.y) * map.inputHeight) / map.region.height) / strideY;
  return { u, v };
}

/** Map cells a frame-pixel length spans horizontally and vertically. */
export function cellsPerPixel(map: FeatureMap): { x: number; y: number } {
  return { x: map.width / map.region.width, y: map.height / map.region.height };
}

/**
 * Mean and max of every channel over `region`, writing into `out` when given (the hot path
 * allocates nothing). Samples outside the map take the nearest edge cell.
 */
export function poolRegion(map: FeatureMap, region: PoolRegion, out?: PooledFeatures, channels?: readonly number[]): PooledFeatures {
  const list = channels ?? null;
  const count = list ? list.length : map.channels;
  const result = out ?? { mean: new Float32Array(count), max: new Float32Array(count) };
  result.mean.fill(0);
  result.max.fill(-Infinity);
  const a = toMap(map, region.cx - region.halfWidth, region.cy - region.halfHeight);
  const b = toMap(map, region.cx + region.halfWidth, region.cy + region.halfHeight);
  const gx = Math.min(MAX_GRID, Math.max(MIN_GRID, Math.ceil(b.u - a.u)));
  const gy = Math.min(MAX_GRID, Math.max(MIN_GRID, Math.ceil(b.v - a.v)));
  const { data, width, height, channels: nc } = map;
  for (let iy = 0; iy < gy; iy++) {
    const v = clamp(a.v + ((iy + 0.5) * (b.v - a.v)) / gy, 0, height - 1);
    const y0 = Math.floor(v);
    const y1 = Math.min(y0 + 1, height - 1);
    const fy = v - y0;
    for (let ix = 0; ix < gx; ix++) {
      const u = clamp(a.u + ((ix + 0.5) * (b.u - a.u)) / gx, 0, width - 1);
      const x0 = Math.floor(u);
      const x1 = Math.min(x0 + 1, width - 1);
      const fx = u - x0;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const o00 = (y0 * width + x0) * nc;
      const o01 = (y0 * width + x1) * nc;
      const o10 = (y1 * width + x0) * nc;
      const o11 = (y1 * width + x1) * nc;
      for (let k = 0; k < count; k++) {
        const c = list ? (list[k] as number) : k;
        const value =
          w00 * (data[o00 + c] as number) + w01 * (data[o01 + c] as number) +
          w10 * (data[o10 + c] as number) + w11 * (data[o11 + c] as number);
        result.mean[k] = (result.mean[k] as number) + value;
        if (value > (result.max[k] as number)) result.max[k] = value;
      }
    }
  }
  const n = gx * gy;
  for (let k = 0; k < count; k++) result.mean[k] = (result.mean[k] as number) / n;
  return result;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
