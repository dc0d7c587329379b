/**
 * Tiny ONNX models for tests: they read their image (so the input path is exercised) but emit
 * planted outputs, so a test knows exactly what the decoders must find.
 */
import { attr, GraphBuilder } from '../../models/src/index.js';
import { KEYPOINT_NAMES } from '../src/pipeline/types.js';

export interface PlantedOutput {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** A model whose outputs are `planted` plus zero times the mean of its input. */
export function plantedOutputsModel(input: { name: string; dtype: 'float32' | 'int32'; shape: number[] }, outputs: PlantedOutput[]): Uint8Array {
  const g = new GraphBuilder({ name: 'planted' });
  let x = g.input(input.name, input.dtype, input.shape);
  if (input.dtype !== 'float32') x = g.op('Cast', [x], { to: attr.int(1) });
  const mean = g.op('ReduceMean', [x], { axes: attr.ints(input.shape.map((_, i) => i).slice(1)), keepdims: attr.int(0) });
  const zero = g.op('Mul', [mean, g.floatConstant('zero', [], [0])]);
  for (const o of outputs) {
    const planted = g.floatConstant(`${o.name}_planted`, o.shape, o.values);
    g.output(g.op('Add', [zero, planted], {}, o.name), 'float32', o.shape);
  }
  return g.toBytes();
}

/** A stand-in for movenet-lightning.onnx that always answers `keypoints` ([17 × (y, x, score)] normalised to the crop). */
export function plantedMovenet(keypoints: Float32Array, size = 192): Uint8Array {
  if (keypoints.length !== KEYPOINT_NAMES.length * 3) throw new Error(`Expected 51 keypoint values but received ${keypoints.length}`);
  return plantedOutputsModel({ name: 'input', dtype: 'int32', shape: [1, size, size, 3] }, [
    { name: 'keypoints', shape: [1, 1, KEYPOINT_NAMES.length, 3], values: keypoints },
  ]);
}
