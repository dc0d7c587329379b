import { describe, expect, it } from 'vitest';
import { decodeFloat16Bytes, float16ToFloat32 } from '../src/tfjs/float16.js';
import { graphModelFromParts } from '../src/tfjs/load-graph-model.js';
import { TfGraphFixture } from './helpers/tf-graph-fixture.js';

describe('float16ToFloat32', () => {
  it.each([
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x7bff, 65504],
    [0x0400, 2 ** -14],
    [0x0001, 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ])('decodes 0x%s', (bits, expected) => {
    expect(float16ToFloat32(bits)).toBe(expected);
  });

  it('keeps the sign of zero and decodes NaN', () => {
    expect(Object.is(float16ToFloat32(0x8000), -0)).toBe(true);
    expect(float16ToFloat32(0x7e00)).toBeNaN();
  });

  it('reads little-endian byte pairs and checks the length', () => {
    expect(Array.from(decodeFloat16Bytes(new Uint8Array([0x00, 0x3c, 0x00, 0xc0]), 2))).toEqual([1, -2]);
    expect(() => decodeFloat16Bytes(new Uint8Array(3), 2)).toThrow(/needs 4 bytes, got 3/);
  });
});

describe('graphModelFromParts', () => {
  it('dequantises float16 weights and reads int32 weights in manifest order', () => {
    const f = new TfGraphFixture();
    f.floats('half', [2, 2], [0.5, -1.25, 3, 1024], true);
    f.ints('shape', [3], [1, -1, 7]);
    f.floats('full', [1], [0.1]);
    const { json, weightData } = f.toParts();
    const model = graphModelFromParts(json, weightData, 'fixture');
    expect(model.constants.get('half')).toEqual({ dtype: 'float32', shape: [2, 2], data: Float32Array.from([0.5, -1.25, 3, 1024]) });
    expect(model.constants.get('shape')).toEqual({ dtype: 'int32', shape: [3], data: Int32Array.from([1, -1, 7]) });
    expect(model.constants.get('full')?.data[0]).toBeCloseTo(0.1, 7);
    expect(model.nodes.get('half')?.op).toBe('Const');
  });

  it('names the weight when the shards are too short or too long', () => {
    const f = new TfGraphFixture();
    f.floats('w', [4], [1, 2, 3, 4], true);
    const { json, weightData } = f.toParts();
    expect(() => graphModelFromParts(json, weightData.subarray(0, 6), 'fixture')).toThrow(/fixture: weight w needs bytes 0\.\.8 but the shards hold 6/);
    expect(() => graphModelFromParts(json, new Uint8Array(10), 'fixture')).toThrow(/weights use 8 bytes but the shards hold 10/);
  });

  it('rejects quantisation it cannot dequantise, naming the weight', () => {
    const json = {
      format: 'graph-model',
      modelTopology: { node: [{ name: 'q', op: 'Const' }] },
      weightsManifest: [{ paths: ['x.bin'], weights: [{ name: 'q', shape: [2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.1, min: 0 } }] }],
    };
    expect(() => graphModelFromParts(json, new Uint8Array(2), 'fixture')).toThrow(/weight q is stored as uint8/);
  });

  it('points at the offending field of a malformed model.json', () => {
    expect(() => graphModelFromParts({ format: 'layers-model' }, new Uint8Array(), 'bad.json')).toThrow(/bad\.json is not a TFJS graph model: format/);
  });
});
