import { describe, expect, it } from 'vitest';
import type { RgbFrame } from '../types.js';
import { FrameResampler, fitRegion } from './resample.js';

function frame(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { data, width, height };
}

describe('fitRegion', () => {
  it('covers the whole frame when stretching', () => {
    expect(fitRegion(640, 480, 512, 512, 'stretch')).toEqual({ x: 0, y: 0, width: 640, height: 480 });
  });

  it('letterboxes a wide frame with bands above and below', () => {
    // 640x480 into 64x64: scale 0.1, the input covers 640x640 centred on the frame.
    expect(fitRegion(640, 480, 64, 64, 'letterbox')).toEqual({ x: 0, y: -80, width: 640, height: 640 });
  });
});

describe('FrameResampler', () => {
  it('copies pixels exactly at scale 1 in NHWC and NCHW', () => {
    const f = frame(4, 2, (x, y) => [x * 10, y * 100, 7]);
    const nhwc = new FrameResampler({ width: 4, height: 2, layout: 'NHWC', dtype: 'float32', scale: 1, offset: 0, padValue: 0 });
    nhwc.sample(f, { x: 0, y: 0, width: 4, height: 2 });
    expect(Array.from(nhwc.data.slice(0, 6))).toEqual([0, 0, 7, 10, 0, 7]);
    expect(Array.from(nhwc.data.slice(12, 15))).toEqual([0, 100, 7]);

    const nchw = new FrameResampler({ width: 4, height: 2, layout: 'NCHW', dtype: 'float32', scale: 1 / 255, offset: 0, padValue: 0 });
    nchw.sample(f, { x: 0, y: 0, width: 4, height: 2 });
    expect(nchw.data[1]).toBeCloseTo(10 / 255, 6); // R plane, x = 1
    expect(nchw.data[8 + 4]).toBeCloseTo(100 / 255, 6); // G plane, y = 1
    expect(nchw.data[16]).toBeCloseTo(7 / 255, 6); // B plane
  });

  it('pads what lies outside the frame and rounds int32 tensors', () => {
    const f = frame(2, 2, () => [200, 100, 51]);
    const r = new FrameResampler({ width: 4, height: 4, layout: 'NHWC', dtype: 'int32', scale: 1, offset: 0, padValue: 114 });
    // A square region twice the frame, centred: a one-pixel band of padding all round.
    r.sample(f, { x: -1, y: -1, width: 4, height: 4 });
    expect(r.data).toBeInstanceOf(Int32Array);
    expect(Array.from(r.data.slice(0, 3))).toEqual([114, 114, 114]);
    const centre = (1 * 4 + 1) * 3;
    expect(Array.from(r.data.slice(centre, centre + 3))).toEqual([200, 100, 51]);
  });

  it('interpolates bilinearly when downscaling by two', () => {
    const f = frame(4, 1, (x) => [x * 60, 0, 0]);
    const r = new FrameResampler({ width: 2, height: 1, layout: 'NHWC', dtype: 'float32', scale: 1, offset: 0, padValue: 0 });
    r.sample(f, { x: 0, y: 0, width: 4, height: 1 });
    // Output pixel centres fall between source pixels 0|1 and 2|3.
    expect(r.data[0]).toBeCloseTo(30, 5);
    expect(r.data[3]).toBeCloseTo(150, 5);
  });

  it('rejects a buffer too small for the stated frame size', () => {
    const r = new FrameResampler({ width: 2, height: 2, layout: 'NHWC', dtype: 'float32', scale: 1, offset: 0, padValue: 0 });
    expect(() => r.sample({ data: new Uint8Array(5), width: 2, height: 2 }, { x: 0, y: 0, width: 2, height: 2 })).toThrow(/12 bytes/);
  });
});
