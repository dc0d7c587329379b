/**
 * Each op handler against tfjs (wasm backend) on small synthetic graphs, including the corners the
 * real models do not reach: negative integer division, odd sizes with SAME padding, every resize mode.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convertGraph } from '../src/convert/convert-graph.js';
import { graphModelFromParts } from '../src/tfjs/load-graph-model.js';
import { tfAttr, TfGraphFixture } from './helpers/tf-graph-fixture.js';
import { maxAbsDiff } from './helpers/parity.js';
import { loadTfjsGraphModelFromParts, runTfjs, tf } from './helpers/tfjs-reference.js';

interface FixtureInput {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

interface FixtureOutput {
  tensor: string;
  dtype: 'float32' | 'int32';
  shape: number[];
}

/** Deterministic pseudo-random values in [-1, 1). */
function noise(count: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Runs the fixture through tfjs and through convert → onnxruntime; returns max |diff| per output. */
async function compare(f: TfGraphFixture, inputs: readonly FixtureInput[], outputs: readonly FixtureOutput[]): Promise<number[]> {
  const { json, weightData } = f.toParts();
  const bytes = convertGraph(graphModelFromParts(json, weightData, 'fixture'), {
    modelName: 'fixture',
    inputs: inputs.map((i) => ({ tfTensor: i.name, name: i.name, dtype: i.dtype, shape: i.shape })),
    outputs: outputs.map((o, k) => ({ tfTensor: o.tensor, name: `out${k}`, dtype: o.dtype, shape: o.shape })),
  });
  const session = await ort.InferenceSession.create(bytes);
  const tfModel = await loadTfjsGraphModelFromParts(json, weightData);
  const tfInputs = Object.fromEntries(inputs.map((i) => [i.name, tf.tensor(i.data, i.shape, i.dtype)]));
  try {
    const onnx = await session.run(Object.fromEntries(inputs.map((i) => [i.name, new ort.Tensor(i.dtype, i.data, i.shape)])));
    const reference = await runTfjs(tfModel, tfInputs, outputs.map((o) => o.tensor));
    return outputs.map((o, k) => {
      const got = onnx[`out${k}`];
      expect(got?.dims, `${o.tensor} shape`).toEqual(o.shape);
      return maxAbsDiff(Float32Array.from(got?.data as Float32Array | Int32Array), reference[k] as Float32Array);
    });
  } finally {
    tf.dispose(Object.values(tfInputs));
    tfModel.dispose();
    await session.release();
  }
}

describe('op conversion matches tfjs', () => {
  it('FloorDiv and FloorMod on negative integers', async () => {
    const f = new TfGraphFixture();
    const x = f.placeholder('x', 'DT_INT32', [8]);
    const three = f.ints('three', [], [3]);
    const minusFour = f.ints('minus_four', [], [-4]);
    f.node('div3', 'FloorDiv', [x, three], { T: tfAttr.type('DT_INT32') });
    f.node('mod3', 'FloorMod', [x, three], { T: tfAttr.type('DT_INT32') });
    f.node('div_m4', 'FloorDiv', [x, minusFour], { T: tfAttr.type('DT_INT32') });
    f.node('mod_m4', 'FloorMod', [x, minusFour], { T: tfAttr.type('DT_INT32') });
    const data = Int32Array.from([-9, -7, -6, -1, 0, 5, 8, 12]);
    const out = (tensor: string): FixtureOutput => ({ tensor, dtype: 'int32', shape: [8] });
    const diffs = await compare(f, [{ name: 'x', dtype: 'int32', shape: [8], data }], [out('div3'), out('mod3'), out('div_m4'), out('mod_m4')]);
    expect(diffs).toEqual([0, 0, 0, 0]);
  });

  it('FloorDiv and FloorMod on floats', async () => {
    const f = new TfGraphFixture();
    const x = f.placeholder('x', 'DT_FLOAT', [6]);
    const d = f.floats('d', [], [-1.5]);
    f.node('div', 'FloorDiv', [x, d], { T: tfAttr.type('DT_FLOAT') });
    f.node('mod', 'FloorMod', [x, d], { T: tfAttr.type('DT_FLOAT') });
    const data = Float32Array.from([-4, -1, 0, 0.5, 2.25, 7]);
    const diffs = await compare(f, [{ name: 'x', dtype: 'float32', shape: [6], data }], [
      { tensor: 'div', dtype: 'float32', shape: [6] },
      { tensor: 'mod', dtype: 'float32', shape: [6] },
    ]);
    for (const d of diffs) expect(d).toBeLessThan(1e-6);
  });

  it('convolutions with SAME padding on odd sizes, depthwise multipliers, fused bias and activations, max pooling', async () => {
    const f = new TfGraphFixture();
    const conv = { T: tfAttr.type('DT_FLOAT'), data_format: tfAttr.s('NHWC'), dilations: tfAttr.ints([1, 1, 1, 1]) };
    const x = f.placeholder('x', 'DT_FLOAT', [1, 7, 7, 3]);
    const w1 = f.floats('w1', [3, 3, 3, 4], Array.from(noise(108, 1)), true);
    f.node('c1', 'Conv2D', [x, w1], { ...conv, strides: tfAttr.ints([1, 2, 2, 1]), padding: tfAttr.s('SAME') });
    const w2 = f.floats('w2', [1, 1, 4, 5], Array.from(noise(20, 2)));
    const b2 = f.floats('b2', [5], [0.5, -0.5, 0.1, 6, -6]);
    f.node('c2', '_FusedConv2D', ['c1', w2, b2], {
      ...conv,
      strides: tfAttr.ints([1, 1, 1, 1]),
      padding: tfAttr.s('VALID'),
      fused_ops: tfAttr.strings(['BiasAdd', 'Relu6']),
      num_args: tfAttr.i(1),
      epsilon: tfAttr.f(0),
    });
    const w3 = f.floats('w3', [3, 3, 5, 2], Array.from(noise(90, 3)));
    f.node('c3', 'DepthwiseConv2dNative', ['c2', w3], { ...conv, strides: tfAttr.ints([1, 1, 1, 1]), padding: tfAttr.s('SAME') });
    const w4 = f.floats('w4', [3, 3, 10, 1], Array.from(noise(90, 4)));
    const b4 = f.floats('b4', [10], Array.from(noise(10, 5)));
    f.node('c4', 'FusedDepthwiseConv2dNative', ['c3', w4, b4], {
      ...conv,
      strides: tfAttr.ints([1, 2, 2, 1]),
      padding: tfAttr.s('SAME'),
      fused_ops: tfAttr.strings(['BiasAdd', 'Relu']),
      num_args: tfAttr.i(1),
    });
    f.node('pool', 'MaxPool', ['c3'], { T: tfAttr.type('DT_FLOAT'), data_format: tfAttr.s('NHWC'), ksize: tfAttr.ints([1, 3, 3, 1]), strides: tfAttr.ints([1, 2, 2, 1]), padding: tfAttr.s('SAME') });
    const diffs = await compare(f, [{ name: 'x', dtype: 'float32', shape: [1, 7, 7, 3], data: noise(147, 6) }], [
      { tensor: 'c1', dtype: 'float32', shape: [1, 4, 4, 4] },
      { tensor: 'c2', dtype: 'float32', shape: [1, 4, 4, 5] },
      { tensor: 'c3', dtype: 'float32', shape: [1, 4, 4, 10] },
      { tensor: 'c4', dtype: 'float32', shape: [1, 2, 2, 10] },
      { tensor: 'pool', dtype: 'float32', shape: [1, 2, 2, 10] },
    ]);
    for (const d of diffs) expect(d).toBeLessThan(1e-5);
  });

  it('ResizeBilinear in all three coordinate modes', async () => {
    const f = new TfGraphFixture();
    const x = f.placeholder('x', 'DT_FLOAT', [1, 5, 6, 2]);
    const size = f.ints('size', [2], [9, 13]);
    const modes = { asymmetric: [false, false], align: [true, false], half: [false, true] } as const;
    for (const [name, [alignCorners, halfPixel]] of Object.entries(modes)) {
      f.node(name, 'ResizeBilinear', [x, size], { T: tfAttr.type('DT_FLOAT'), align_corners: tfAttr.b(alignCorners), half_pixel_centers: tfAttr.b(halfPixel) });
    }
    const diffs = await compare(
      f,
      [{ name: 'x', dtype: 'float32', shape: [1, 5, 6, 2], data: noise(60, 7) }],
      Object.keys(modes).map((tensor) => ({ tensor, dtype: 'float32' as const, shape: [1, 9, 13, 2] })),
    );
    for (const d of diffs) expect(d).toBeLessThan(1e-5);
  });

  it('Unpack, Pack, ExpandDims, Squeeze, Reshape, ConcatV2, Mean and arithmetic', async () => {
    const f = new TfGraphFixture();
    const T = { T: tfAttr.type('DT_FLOAT') };
    const x = f.placeholder('x', 'DT_FLOAT', [2, 3, 4]);
    f.node('parts', 'Unpack', [x], { ...T, axis: tfAttr.i(1), num: tfAttr.i(3) });
    f.node('packed', 'Pack', ['parts:2', 'parts', 'parts:1'], { ...T, axis: tfAttr.i(-1), N: tfAttr.i(3) });
    f.node('expanded', 'ExpandDims', ['packed', f.ints('dim0', [], [0])], T);
    f.node('squeezed', 'Squeeze', ['expanded'], { ...T, squeeze_dims: tfAttr.ints([0]) });
    f.node('reshaped', 'Reshape', ['squeezed', f.ints('shape', [2], [-1, 6])], T);
    f.node('concat', 'ConcatV2', ['reshaped', 'reshaped', f.ints('axis0', [], [0])], { ...T, N: tfAttr.i(2) });
    f.node('mean', 'Mean', ['concat', f.ints('axis1', [1], [1])], { ...T, keep_dims: tfAttr.b(false) });
    f.node('sqdiff', 'SquaredDifference', ['mean', f.floats('c', [], [0.25])], T);
    f.node('sqrt', 'Sqrt', ['sqdiff'], T);
    f.node('ratio', 'RealDiv', ['sqrt', f.floats('two', [], [2])], T);
    const diffs = await compare(f, [{ name: 'x', dtype: 'float32', shape: [2, 3, 4], data: noise(24, 8) }], [
      { tensor: 'parts:1', dtype: 'float32', shape: [2, 4] },
      { tensor: 'squeezed', dtype: 'float32', shape: [2, 4, 3] },
      { tensor: 'concat', dtype: 'float32', shape: [8, 6] },
      { tensor: 'ratio', dtype: 'float32', shape: [8] },
    ]);
    for (const d of diffs) expect(d).toBeLessThan(1e-6);
  });

  it('ArgMax to int32 feeding GatherNd, with Cast', async () => {
    const f = new TfGraphFixture();
    const x = f.placeholder('x', 'DT_FLOAT', [4, 5]);
    f.node('arg', 'ArgMax', [x, f.ints('axis', [], [1])], { T: tfAttr.type('DT_FLOAT'), output_type: tfAttr.type('DT_INT32') });
    f.node('rows', 'Pack', [f.ints('row_ids', [4], [0, 1, 2, 3]), 'arg'], { T: tfAttr.type('DT_INT32'), axis: tfAttr.i(1), N: tfAttr.i(2) });
    f.node('picked', 'GatherNd', [x, 'rows'], { Tparams: tfAttr.type('DT_FLOAT'), Tindices: tfAttr.type('DT_INT32') });
    f.node('arg_f', 'Cast', ['arg'], { SrcT: tfAttr.type('DT_INT32'), DstT: tfAttr.type('DT_FLOAT') });
    const diffs = await compare(f, [{ name: 'x', dtype: 'float32', shape: [4, 5], data: noise(20, 9) }], [
      { tensor: 'arg', dtype: 'int32', shape: [4] },
      { tensor: 'picked', dtype: 'float32', shape: [4] },
      { tensor: 'arg_f', dtype: 'float32', shape: [4] },
    ]);
    expect(diffs).toEqual([0, 0, 0]);
  });
});

describe('conversion errors', () => {
  it('name the model, node and op that cannot be converted', () => {
    const f = new TfGraphFixture();
    const x = f.placeholder('x', 'DT_FLOAT', [3]);
    f.node('weird', 'Erfinv', [x], { T: tfAttr.type('DT_FLOAT') });
    const { json, weightData } = f.toParts();
    expect(() =>
      convertGraph(graphModelFromParts(json, weightData, 'fixture.json'), {
        modelName: 'demo',
        inputs: [{ tfTensor: 'x', name: 'x', dtype: 'float32', shape: [3] }],
        outputs: [{ tfTensor: 'weird', name: 'y', dtype: 'float32', shape: [3] }],
      }),
    ).toThrow('converting model demo (fixture.json): Erfinv node weird: op is not supported by this converter');
  });

  it('reject a manifest input type that differs from the graph', () => {
    const f = new TfGraphFixture();
    f.placeholder('x', 'DT_INT32', [3]);
    const { json, weightData } = f.toParts();
    expect(() =>
      convertGraph(graphModelFromParts(json, weightData, 'fixture.json'), {
        modelName: 'demo',
        inputs: [{ tfTensor: 'x', name: 'x', dtype: 'float32', shape: [3] }],
        outputs: [{ tfTensor: 'x', name: 'y', dtype: 'float32', shape: [3] }],
      }),
    ).toThrow(/Placeholder node x: graph declares int32 but the manifest asks for float32/);
  });
});
