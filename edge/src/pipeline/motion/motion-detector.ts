/**
 * Cheap per-camera motion detection, run on every frame before deciding whether the detector
 * needs to see it: a small greyscale copy of the frame is compared with a running background, the
 * pixels that differ by more than a threshold form a mask, and the largest connected patch of the
 * mask decides.
 *
 * Two things would otherwise read as motion and are taken out:
 * - a gradual change of brightness or contrast (dusk, a cloud, auto-exposure creeping), which the
 *   background always lags behind: the frame is compared with the background as the whole frame
 *   changed, `gain × background + offset` fitted by least squares, so only pixels that changed
 *   unlike the rest count. The fit is made twice, the second time without the pixels far off the
 *   first fit, so a person in view does not bend it;
 * - a sudden change of the picture (lights switched, exposure jump, camera knocked): when the
 *   lighting moved by more than half the pixel threshold since the previous frame (fitted the same
 *   way), or more than `resetShare` of the pixels changed anyway, the frame becomes the background
 *   at once. Such a step fits the lighting model only roughly (highlights and shadows clip), so
 *   compensating it would leave patches of false motion. That frame reads as `reset`, and the next
 *   ones are compared with it: one frame of "something happened", not motion until the background
 *   has slowly caught up.
 *
 * The background follows the scene with a time constant in media time (not per frame), so it
 * behaves the same at 1 or 30 analysed frames per second.
 */
import type { CameraConfig } from '../../config/schema.js';
import type { RgbFrame } from '../types.js';
import { ChangedBlobs } from './changed-blobs.js';
import { GreyThumbnail } from './grey-thumbnail.js';

export type MotionOptions = Pick<CameraConfig['analysis']['motion'], 'width' | 'pixelThreshold' | 'minArea' | 'resetShare'>;

/**
 * How fast the background forgets: after a person leaves, their ghost stops reading as motion
 * in about 1.2 × this (for a typical contrast of 3 × the pixel threshold), and someone who stands
 * still without being detected merges into the background as fast; the idle sweeps still look at them.
 */
export const BACKGROUND_TIME_CONSTANT_MS = 2000;

/** Below this variance (grey levels²) the background is too flat to fit a gain on: offset only. */
const FLAT_VARIANCE = 4;
/** A gain outside this range is no lighting change a camera makes between two frames. */
const MIN_GAIN = 0.25;
const MAX_GAIN = 4;
/** Lighting that moved pixels by more than this many pixel thresholds on average since the previous frame jumped. */
const LIGHTING_JUMP = 0.5;
/** Pixels further than this many pixel thresholds from the first fit are left out of the second. */
const OUTLIER_THRESHOLDS = 2;

export type MotionKind = 'still' | 'motion' | 'reset';

export interface MotionReading {
  /** `reset`: first frame, new frame size, time going back, or most of the picture changed at once. */
  kind: MotionKind;
  /** Share of thumbnail pixels that changed (after the global lighting change is taken out). */
  changedShare: number;
  /** Share of the thumbnail covered by the largest connected patch of changed pixels. */
  largestPatchShare: number;
  /** The global lighting change taken out: the frame ≈ gain × background + offset. */
  gain: number;
  offset: number;
  /** Mean grey levels the lighting alone moved a pixel by since the previous frame. */
  lightingJump: number;
}

export class MotionDetector {
  private readonly thumbnail: GreyThumbnail;
  private readonly blobs = new ChangedBlobs();
  private background = new Float32Array(0);
  private previous = new Float32Array(0);
  private mask = new Uint8Array(0);
  private lastPtsMs: number | null = null;

  constructor(private readonly options: MotionOptions) {
    this.thumbnail = new GreyThumbnail(options.width);
  }

  /** Compares `frame` (at media time `ptsMs`) with the background, then moves the background towards it. */
  observe(frame: RgbFrame, ptsMs: number): MotionReading {
    const resized = this.thumbnail.fill(frame);
    const pixels = this.thumbnail.pixels;
    const previousPtsMs = this.lastPtsMs;
    this.lastPtsMs = ptsMs;
    if (resized || previousPtsMs === null || ptsMs < previousPtsMs) return this.reset(1, 1, 0, 0);

    const n = pixels.length;
    const { background, previous, mask } = this;
    const threshold = this.options.pixelThreshold;
    const lightingJump = meanShift(previous, robustLighting(pixels, previous, threshold));
    previous.set(pixels);
    const { gain, offset } = robustLighting(pixels, background, threshold);
    let changed = 0;
    for (let k = 0; k < n; k++) {
      const hit = Math.abs(pixels[k]! - gain * background[k]! - offset) > threshold ? 1 : 0;
      mask[k] = hit;
      changed += hit;
    }
    const changedShare = changed / n;
    if (lightingJump > threshold * LIGHTING_JUMP || changedShare > this.options.resetShare) {
      return this.reset(changedShare, gain, offset, lightingJump);
    }

    const largestPatchShare = changed === 0 ? 0 : this.blobs.largestArea(mask, this.thumbnail.width, this.thumbnail.height) / n;
    const alpha = 1 - Math.exp(-(ptsMs - previousPtsMs) / BACKGROUND_TIME_CONSTANT_MS);
    for (let k = 0; k < n; k++) background[k]! += alpha * (pixels[k]! - background[k]!);
    return { kind: largestPatchShare >= this.options.minArea ? 'motion' : 'still', changedShare, largestPatchShare, gain, offset, lightingJump };
  }

  private reset(changedShare: number, gain: number, offset: number, lightingJump: number): MotionReading {
    const pixels = this.thumbnail.pixels;
    if (this.background.length !== pixels.length) {
      this.background = new Float32Array(pixels.length);
      this.previous = new Float32Array(pixels.length);
      this.mask = new Uint8Array(pixels.length);
    }
    this.background.set(pixels);
    this.previous.set(pixels);
    return { kind: 'reset', changedShare, largestPatchShare: changedShare, gain, offset, lightingJump };
  }
}

interface Lighting {
  gain: number;
  offset: number;
}

/** `pixels ≈ gain × reference + offset`, fitted again without the pixels far off the first fit (a person, say). */
function robustLighting(pixels: Float32Array, reference: Float32Array, threshold: number): Lighting {
  return fitLighting(pixels, reference, fitLighting(pixels, reference, null, 0), OUTLIER_THRESHOLDS * threshold);
}

/** Mean grey levels `lighting` moves a pixel of `reference` by. */
function meanShift(reference: Float32Array, { gain, offset }: Lighting): number {
  let sum = 0;
  for (let k = 0; k < reference.length; k++) sum += Math.abs((gain - 1) * reference[k]! + offset);
  return reference.length === 0 ? 0 : sum / reference.length;
}

/**
 * Least-squares `pixels ≈ gain × background + offset`; with `around`, only over the pixels within
 * `within` grey levels of that earlier fit (falling back to it when too few are left).
 */
function fitLighting(pixels: Float32Array, background: Float32Array, around: Lighting | null, within: number): Lighting {
  let count = 0;
  let sb = 0;
  let sp = 0;
  let sbb = 0;
  let sbp = 0;
  for (let k = 0; k < pixels.length; k++) {
    const b = background[k]!;
    const p = pixels[k]!;
    if (around !== null && Math.abs(p - around.gain * b - around.offset) > within) continue;
    count += 1;
    sb += b;
    sp += p;
    sbb += b * b;
    sbp += b * p;
  }
  if (around !== null && count < pixels.length / 4) return around;
  if (count === 0) return { gain: 1, offset: 0 };
  const meanB = sb / count;
  const meanP = sp / count;
  const variance = sbb / count - meanB * meanB;
  const covariance = sbp / count - meanB * meanP;
  const gain = variance < FLAT_VARIANCE ? 1 : Math.min(MAX_GAIN, Math.max(MIN_GAIN, covariance / variance));
  return { gain, offset: meanP - gain * meanB };
}
