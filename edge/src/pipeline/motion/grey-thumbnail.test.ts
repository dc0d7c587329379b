/** The motion check's greyscale thumbnail: block means of luma, laid out by the frame's aspect. */
import { describe, expect, it } from 'vitest';
import type { RgbFrame } from '../types.js';
import { GreyThumbnail } from './grey-thumbnail.js';

function frame(width: number, height: number, rgb: (x: number, y: number) => [number, number, number]): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(rgb(x, y), (y * width + x) * 3);
  }
  return { width, height, data };
}

describe('GreyThumbnail', () => {
  it.each([[640, 480, 64, 48], [333, 250, 64, 48], [1920, 1080, 96, 54]])('gives the luma of a uniform %ix%i frame in every pixel, %ix%i', (w, h, tw, th) => {
    const thumbnail = new GreyThumbnail(tw);
    thumbnail.fill(frame(w, h, () => [200, 100, 50]));
    expect([thumbnail.width, thumbnail.height]).toEqual([tw, th]);
    const luma = (77 * 200 + 150 * 100 + 29 * 50) / 256;
    for (const v of thumbnail.pixels) expect(v).toBeCloseTo(luma, 3);
  });

  it('keeps an edge where it is: a frame white on the left half, black on the right', () => {
    const thumbnail = new GreyThumbnail(64);
    thumbnail.fill(frame(640, 480, (x) => (x < 320 ? [255, 255, 255] : [0, 0, 0])));
    const row = Array.from(thumbnail.pixels.subarray(10 * 64, 11 * 64));
    expect(row.slice(0, 32).every((v) => v === 255)).toBe(true);
    expect(row.slice(32).every((v) => v === 0)).toBe(true);
  });

  it('says when the frame size changed, and uses the frame width when the frame is narrower', () => {
    const thumbnail = new GreyThumbnail(64);
    const big = frame(640, 480, () => [10, 10, 10]);
    expect(thumbnail.fill(big)).toBe(true);
    expect(thumbnail.fill(big)).toBe(false);
    expect(thumbnail.fill(frame(16, 16, () => [10, 10, 10]))).toBe(true);
    expect([thumbnail.width, thumbnail.height]).toEqual([16, 16]);
  });

  it('rejects a frame whose pixels are cut short, naming the sizes', () => {
    const thumbnail = new GreyThumbnail(64);
    expect(() => thumbnail.fill({ width: 640, height: 480, data: new Uint8Array(10) })).toThrow('GreyThumbnail: a 640x480 frame needs 921600 bytes, got 10');
  });
});
