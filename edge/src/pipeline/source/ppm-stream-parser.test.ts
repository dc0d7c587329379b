import { describe, expect, it } from 'vitest';
import { NewestFrameMailbox } from './newest-frame-mailbox.js';
import { PpmStreamParser } from './ppm-stream-parser.js';
import type { RgbFrame } from '../types.js';

function ppm(width: number, height: number, fill: number): Uint8Array {
  const header = new TextEncoder().encode(`P6\n${width} ${height}\n255\n`);
  const out = new Uint8Array(header.length + width * height * 3);
  out.set(header);
  out.fill(fill, header.length);
  return out;
}

describe('PpmStreamParser', () => {
  it('splits back-to-back images cut at every possible chunk boundary, sizes may change', () => {
    const stream = new Uint8Array([...ppm(4, 2, 7), ...ppm(2, 2, 9), ...ppm(4, 2, 11)]);
    for (const step of [1, 3, 7, 16, stream.length]) {
      const frames: RgbFrame[] = [];
      const parser = new PpmStreamParser((f) => frames.push(f));
      for (let i = 0; i < stream.length; i += step) parser.push(stream.subarray(i, i + step));
      expect(frames.map((f) => [f.width, f.height, f.data.length, f.data[0]])).toEqual([[4, 2, 24, 7], [2, 2, 12, 9], [4, 2, 24, 11]]);
      expect(frames[0]?.data.buffer).not.toBe(frames[2]?.data.buffer);
    }
  });

  it('rejects a stream that is not 8-bit P6', () => {
    expect(() => new PpmStreamParser(() => undefined).push(new TextEncoder().encode('P5\n2 2\n255\n'))).toThrow(/not an 8-bit P6/);
    expect(() => new PpmStreamParser(() => undefined).push(new Uint8Array(100).fill(65))).toThrow(/not a PPM stream/);
  });
});

describe('NewestFrameMailbox', () => {
  it('keeps only the newest unread item and counts the rest as dropped', async () => {
    const box = new NewestFrameMailbox<number>();
    for (let i = 0; i < 100; i += 1) box.put(i);
    expect(box.size).toBe(1);
    expect(box.dropped).toBe(99);
    expect(await box.take()).toBe(99);
    const waiting = box.take();
    box.put(100);
    expect(await waiting).toBe(100);
    box.put(101);
    box.close();
    expect(await box.take()).toBe(101);
    expect(await box.take()).toBeUndefined();
    expect(box.put(102)).toBe(false);
  });
});
