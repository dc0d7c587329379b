/**
 * Sampling a rectangle of an RGB frame into a model's input tensor.
 *
 * Every model input here (detector letterbox or stretch, the pose crop around a person) is the same
 * operation: a region in frame pixels, possibly reaching past the frame edges, is resized bilinearly
 * into a fixed-size tensor, and whatever falls outside the frame becomes padding. Describing the
 * input by that region also gives the inverse mapping for free: an input pixel coordinate u maps to
 * region.x + u * region.width / inputWidth in the frame.
 */
import type { RgbFrame } from '../types.js';

/** A rectangle in frame pixels; it may extend beyond the frame. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type Layout = 'NHWC' | 'NCHW';
export type ResizeMode = 'stretch' | 'letterbox';

/** The frame region a model input of inputWidth × inputHeight covers. Letterbox keeps the aspect ratio and centres the frame. */
export function fitRegion(
  frameWidth: number,
  frameHeight: number,
  inputWidth: number,
  inputHeight: number,
  mode: ResizeMode,
): Region {
  if (mode === 'stretch') return { x: 0, y: 0, width: frameWidth, height: frameHeight };
  const scale = Math.min(inputWidth / frameWidth, inputHeight / frameHeight);
  const width = inputWidth / scale;
  const height = inputHeight / scale;
  return { x: (frameWidth - width) / 2, y: (frameHeight - height) / 2, width, height };
}

export interface TensorLayoutOptions {
  width: number;
  height: number;
  layout: Layout;
  /** 'int32' tensors get rounded values (MoveNet). */
  dtype: 'float32' | 'int32';
  /** Tensor value = offset + pixel × scale for 0..255 pixels, e.g. scale 1/255 for a 0..1 model. */
  scale: number;
  offset: number;
  /** Value of pixels outside the frame, in 0..255 pixel units. */
  padValue: number;
}

/**
 * Owns one input tensor buffer and refills it for every frame, so the hot path allocates nothing
 * once the first frame of a given size has been seen.
 */
export class FrameResampler {
  readonly data: Float32Array | Int32Array;
  readonly options: TensorLayoutOptions;
  private readonly colOffset0: Int32Array;
  private readonly colOffset1: Int32Array;
  private readonly colWeight: Float32Array;
  private readonly colInside: Uint8Array;

  constructor(options: TensorLayoutOptions) {
    this.options = options;
    const size = options.width * options.height * 3;
    this.data = options.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
    this.colOffset0 = new Int32Array(options.width);
    this.colOffset1 = new Int32Array(options.width);
    this.colWeight = new Float32Array(options.width);
    this.colInside = new Uint8Array(options.width);
  }

  /** Fills `data` with `region` of `frame`. */
  sample(frame: RgbFrame, region: Region): void {
    const { width: outW, height: outH, layout, scale, offset, padValue, dtype } = this.options;
    const { data: src, width: fw, height: fh } = frame;
    if (src.length < fw * fh * 3) {
      throw new Error(`Expected ${fw * fh * 3} bytes for a ${fw}x${fh} RGB frame but received ${src.length}`);
    }
    const out = this.data;
    const round = dtype === 'int32';
    const pad = round ? Math.round(offset + padValue * scale) : offset + padValue * scale;
    const stepX = region.width / outW;
    const stepY = region.height / outH;

    for (let tx = 0; tx < outW; tx++) {
      // Pixel centres map to pixel centres (half-pixel convention), as TF and OpenCV resize do.
      const sx = region.x + (tx + 0.5) * stepX - 0.5;
      const inside = sx >= -0.5 && sx <= fw - 0.5;
      const fx = Math.floor(sx);
      this.colInside[tx] = inside ? 1 : 0;
      this.colWeight[tx] = sx - fx;
      this.colOffset0[tx] = clampIndex(fx, fw) * 3;
      this.colOffset1[tx] = clampIndex(fx + 1, fw) * 3;
    }

    const plane = outW * outH;
    const nchw = layout === 'NCHW';
    const { colInside, colWeight, colOffset0, colOffset1 } = this;
    for (let ty = 0; ty < outH; ty++) {
      const sy = region.y + (ty + 0.5) * stepY - 0.5;
      const rowInside = sy >= -0.5 && sy <= fh - 0.5;
      const fy = Math.floor(sy);
      const wy = sy - fy;
      const row0 = clampIndex(fy, fh) * fw * 3;
      const row1 = clampIndex(fy + 1, fh) * fw * 3;
      for (let tx = 0; tx < outW; tx++) {
        const pixel = ty * outW + tx;
        let r = pad;
        let g = pad;
        let b = pad;
        if (rowInside && colInside[tx] === 1) {
          const wx = colWeight[tx] as number;
          const c0 = colOffset0[tx] as number;
          const c1 = colOffset1[tx] as number;
          const w00 = (1 - wx) * (1 - wy);
          const w01 = wx * (1 - wy);
          const w10 = (1 - wx) * wy;
          const w11 = wx * wy;
          const a = row0 + c0;
          const bb = row0 + c1;
          const c = row1 + c0;
          const d = row1 + c1;
          r = offset + ((src[a] as number) * w00 + (src[bb] as number) * w01 + (src[c] as number) * w10 + (src[d] as number) * w11) * scale;
          g = offset + ((src[a + 1] as number) * w00 + (src[bb + 1] as number) * w01 + (src[c + 1] as number) * w10 + (src[d + 1] as number) * w11) * scale;
          b = offset + ((src[a + 2] as number) * w00 + (src[bb + 2] as number) * w01 + (src[c + 2] as number) * w10 + (src[d + 2] as number) * w11) * scale;
          if (round) {
            r = Math.round(r);
            g = Math.round(g);
            b = Math.round(b);
          }
        }
        if (nchw) {
          out[pixel] = r;
          out[plane + pixel] = g;
          out[2 * plane + pixel] = b;
        } else {
          const o = pixel * 3;
          out[o] = r;
          out[o + 1] = g;
          out[o + 2] = b;
        }
      }
    }
  }
}

function clampIndex(i: number, size: number): number {
  return i < 0 ? 0 : i >= size ? size - 1 : i;
}
