import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attr, GraphBuilder } from '../src/onnx/graph-builder.js';

/**
 * A tiny model with YOLO's output layout: images [1,3,64,64] → output0 [1,4+C,N]. Each output
 * cell is mean(images) × a per-cell constant, so the expected values are easy to compute.
 */
function buildTinyYolo(classes: number, anchors: number): { bytes: Uint8Array; weights: Float32Array } {
  const g = new GraphBuilder({ name: 'tiny-yolo', producerName: 'mimamori-test' });
  const images = g.input('images', 'float32', [1, 3, 64, 64]);
  const mean = g.op('ReduceMean', [images], { axes: attr.ints([1, 2, 3]), keepdims: attr.int(0) });
  const shape = g.int64Constant('shape', [1, 1, 1]);
  const mean3d = g.op('Reshape', [mean, shape]);
  const rows = 4 + classes;
  const weights = Float32Array.from({ length: rows * anchors }, (_, i) => (i + 1) / 10);
  const w = g.initializer('weights', 'float32', [1, rows, anchors], weights);
  g.output(g.op('Mul', [mean3d, w], {}, 'output0'), 'float32', [1, rows, anchors]);
  return { bytes: g.toBytes(), weights };
}

describe('GraphBuilder', () => {
  it('builds a tiny YOLO-layout model that onnxruntime runs', async () => {
    const { bytes, weights } = buildTinyYolo(2, 5);
    const session = await ort.InferenceSession.create(bytes);
    try {
      expect(session.inputNames).toEqual(['images']);
      expect(session.outputNames).toEqual(['output0']);
      const pixels = Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => (i % 7) / 7);
      const mean = pixels.reduce((a, b) => a + b, 0) / pixels.length;
      const result = await session.run({ images: new ort.Tensor('float32', pixels, [1, 3, 64, 64]) });
      const out = result.output0;
      expect(out?.dims).toEqual([1, 6, 5]);
      const data = out?.data as Float32Array;
      for (let i = 0; i < weights.length; i++) {
        expect(data[i]).toBeCloseTo(mean * (weights[i] as number), 5);
      }
    } finally {
      await session.release();
    }
  });

  it('produces identical bytes for identical graphs', () => {
    expect(Buffer.from(buildTinyYolo(3, 4).bytes).equals(Buffer.from(buildTinyYolo(3, 4).bytes))).toBe(true);
  });

  it('rejects inputs that are not defined yet and duplicate value names', () => {
    const g = new GraphBuilder({ name: 'bad' });
    g.input('x', 'float32', [1]);
    expect(() => g.op('Relu', ['y'])).toThrow(/input y is not defined/);
    expect(() => g.input('x', 'float32', [1])).toThrow(/already defined/);
    expect(() => g.initializer('w', 'float32', [2, 2], new Float32Array(3))).toThrow(/hold 4 elements/);
  });
});
