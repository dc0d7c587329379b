/**
 * Constant-velocity Kalman filter of a box's centre and size (cx, cy, w, h).
 *
 * With box-edge noise that is the same in every direction, the 8-state filter of SORT/ByteTrack
 * falls apart into four independent [position, velocity] filters, one per coordinate, so each is
 * kept as two numbers and a symmetric 2×2 covariance: no matrix code, no allocations per frame.
 *
 * Time is continuous: `predict(dtMs)` takes the media-time gap to the frame being matched, so
 * irregular frame intervals (dropped frames, a camera that stalls) move the box by velocity × gap
 * and widen its uncertainty by the gap rather than by a frame count. Noise scales with box height,
 * so a person near the camera and one far away are treated alike.
 */
import type { Box } from '../types.js';

export interface KalmanBoxNoise {
  /** Standard deviation of measured coordinates, as a fraction of box height. */
  measurementNoise: number;
  /** Random-acceleration density in box heights per s^1.5. */
  processNoise: number;
  /** Standard deviation of a new track's velocity, in box heights per second. */
  initialVelocityStd: number;
}

const COORDS = 4;
/** Index of the height coordinate, which scales every noise term. */
const H = 3;
/** A predicted size never shrinks below a pixel, whatever the size velocity says. */
const MIN_SIZE = 1;

export class KalmanBox {
  /** Position (cx, cy, w, h) in pixels. */
  private readonly x = new Float64Array(COORDS);
  /** Velocity of each coordinate in pixels per second. */
  private readonly v = new Float64Array(COORDS);
  /** Covariance per coordinate: var(x), cov(x, v), var(v). */
  private readonly pxx = new Float64Array(COORDS);
  private readonly pxv = new Float64Array(COORDS);
  private readonly pvv = new Float64Array(COORDS);

  constructor(box: Box, private readonly noise: KalmanBoxNoise) {
    toCentreSize(box, this.x);
    const h = this.heightScale();
    const posStd = 2 * noise.measurementNoise * h;
    const velStd = noise.initialVelocityStd * h;
    for (let i = 0; i < COORDS; i++) {
      this.pxx[i] = posStd * posStd;
      this.pvv[i] = velStd * velStd;
    }
  }

  /** Move the estimate forward by `dtMs` of media time. */
  predict(dtMs: number): void {
    if (!(dtMs > 0)) return;
    const dt = dtMs / 1000;
    const h = this.heightScale();
    const q = (this.noise.processNoise * h) ** 2;
    for (let i = 0; i < COORDS; i++) {
      const xx = this.pxx[i]!;
      const xv = this.pxv[i]!;
      const vv = this.pvv[i]!;
      this.x[i] = this.x[i]! + this.v[i]! * dt;
      this.pxx[i] = xx + 2 * dt * xv + dt * dt * vv + (q * dt * dt * dt) / 3;
      this.pxv[i] = xv + dt * vv + (q * dt * dt) / 2;
      this.pvv[i] = vv + q * dt;
    }
    if (this.x[2]! < MIN_SIZE) this.x[2] = MIN_SIZE;
    if (this.x[H]! < MIN_SIZE) this.x[H] = MIN_SIZE;
  }

  /** Correct the estimate with a detected box at the time last predicted to. */
  update(box: Box): void {
    const z0 = (box[0] + box[2]) / 2;
    const z1 = (box[1] + box[3]) / 2;
    const z2 = box[2] - box[0];
    const z3 = box[3] - box[1];
    const h = this.heightScale();
    const r = (this.noise.measurementNoise * h) ** 2;
    this.correct(0, z0, r);
    this.correct(1, z1, r);
    this.correct(2, z2, r);
    this.correct(3, z3, r);
  }

  /** The current estimate as [x1, y1, x2, y2]. */
  box(): Box {
    const cx = this.x[0]!;
    const cy = this.x[1]!;
    const w = this.x[2]!;
    const h = this.x[H]!;
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
  }

  /** Velocity of the box centre, pixels per second. */
  velocity(): [number, number] {
    return [this.v[0]!, this.v[1]!];
  }

  private correct(i: number, z: number, r: number): void {
    const xx = this.pxx[i]!;
    const xv = this.pxv[i]!;
    const s = xx + r;
    const kx = xx / s;
    const kv = xv / s;
    const innovation = z - this.x[i]!;
    this.x[i] = this.x[i]! + kx * innovation;
    this.v[i] = this.v[i]! + kv * innovation;
    this.pxx[i] = (1 - kx) * xx;
    this.pxv[i] = (1 - kx) * xv;
    this.pvv[i] = this.pvv[i]! - kv * xv;
  }

  private heightScale(): number {
    return Math.max(this.x[H]!, MIN_SIZE);
  }
}

function toCentreSize(box: Box, out: Float64Array): void {
  out[0] = (box[0] + box[2]) / 2;
  out[1] = (box[1] + box[3]) / 2;
  out[2] = Math.max(box[2] - box[0], MIN_SIZE);
  out[3] = Math.max(box[3] - box[1], MIN_SIZE);
}
