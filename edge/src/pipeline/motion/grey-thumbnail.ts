/**
 * A small greyscale copy of an RGB frame, by box filter: each thumbnail pixel is the mean luma of
 * the frame pixels it covers. Averaging a block (not picking one pixel) is what makes the
 * thumbnail quiet: sensor noise and compression speckle cancel out, a person does not.
 *
 * Only every `step`-th row and column of a block is read, with `step` chosen so that a block gives
 * about 5 × 5 samples: that is plenty to cancel the noise, and keeps the cost at a few samples per
 * thumbnail pixel whatever the frame size (a 640 px frame is read at every second pixel).
 */
import type { RgbFrame } from '../types.js';

/** Integer luma weights (BT.601, sum 256): integer maths keeps the per-pixel loop cheap. */
const R = 77;
const G = 150;
const B = 29;
const SAMPLES_PER_BLOCK_SIDE = 5;

export class GreyThumbnail {
  /** The configured width, or the frame's when that is narrower (a broken stream's tiny picture). */
  width = 0;
  /** Follows the frame's aspect; 0 before the first frame. */
  height = 0;
  /** Luma 0..255 per thumbnail pixel, row-major; refilled (not reallocated) for every frame of one size. */
  pixels = new Float32Array(0);
  private sums = new Uint32Array(0);
  /** Samples per thumbnail pixel times the weight sum, so sum / count is a mean in 0..255. */
  private counts = new Float32Array(0);
  /** Frame column where each thumbnail column starts; the last entry is the frame width. */
  private columnStarts = new Int32Array(0);
  private step = 1;
  private frameWidth = 0;
  private frameHeight = 0;

  constructor(private readonly maxWidth: number) {
    if (!(Number.isInteger(maxWidth) && maxWidth >= 1)) throw new RangeError(`GreyThumbnail: width must be a positive integer, got ${maxWidth}`);
  }

  /**
   * Fills `pixels` from `frame`. Returns true when the frame size differs from the previous
   * frame's: the thumbnail was laid out anew, and is not comparable with earlier ones.
   */
  fill(frame: RgbFrame): boolean {
    const { width: fw, height: fh, data } = frame;
    if (!(fw >= 1 && fh >= 1) || data.length < fw * fh * 3) {
      throw new RangeError(`GreyThumbnail: a ${fw}x${fh} frame needs ${fw * fh * 3} bytes, got ${data.length}`);
    }
    const resized = fw !== this.frameWidth || fh !== this.frameHeight;
    if (resized) this.layout(fw, fh);
    const { width: tw, height: th, sums, columnStarts: starts, step } = this;
    sums.fill(0);
    for (let y = 0; y < fh; y += step) {
      const rowBase = Math.floor((y * th) / fh) * tw;
      const rowStart = y * fw * 3;
      // One run of frame columns per thumbnail column, summed in a local: far cheaper than a
      // typed-array store per frame pixel.
      for (let c = 0; c < tw; c++) {
        let sum = 0;
        const end = rowStart + starts[c + 1]! * 3;
        for (let i = rowStart + starts[c]! * 3; i < end; i += 3 * step) sum += R * data[i]! + G * data[i + 1]! + B * data[i + 2]!;
        sums[rowBase + c]! += sum;
      }
    }
    const { pixels, counts } = this;
    for (let k = 0; k < pixels.length; k++) pixels[k] = sums[k]! / counts[k]!;
    return resized;
  }

  private layout(fw: number, fh: number): void {
    const tw = this.width = Math.min(this.maxWidth, fw);
    this.frameWidth = fw;
    this.frameHeight = fh;
    this.height = Math.max(1, Math.round((fh * tw) / fw));
    this.step = Math.max(1, Math.floor(fw / tw / SAMPLES_PER_BLOCK_SIDE));
    const n = tw * this.height;
    this.pixels = new Float32Array(n);
    this.sums = new Uint32Array(n);
    const starts = new Int32Array(tw + 1);
    for (let c = 0; c <= tw; c++) starts[c] = Math.ceil((c * fw) / tw);
    this.columnStarts = starts;
    // Counted with the same loops as fill() reads, so uneven blocks still average correctly.
    const counts = new Float32Array(n);
    for (let y = 0; y < fh; y += this.step) {
      const rowBase = Math.floor((y * this.height) / fh) * tw;
      for (let c = 0; c < tw; c++) {
        const samples = Math.ceil((starts[c + 1]! - starts[c]!) / this.step);
        counts[rowBase + c]! += samples * (R + G + B);
      }
    }
    this.counts = counts;
  }
}
