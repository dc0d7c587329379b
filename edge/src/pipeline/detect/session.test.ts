import type { InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { checkContract, type ModelContract } from './session.js';

const tensor = (name: string, type: 'float32' | 'int32', shape: (number | string)[]): InferenceSession.ValueMetadata => ({
  name,
  isTensor: true,
  type,
  shape,
});

const CONTRACT: ModelContract = {
  inputs: [{ name: 'images', dtype: 'float32', shape: [1, 512, 512, 3] }],
  outputs: [
    { name: 'heatmap', dtype: 'float32', shape: [1, null, null, 80] },
    { name: 'wh', dtype: 'float32', shape: null },
  ],
};

describe('checkContract', () => {
  const inputs = [tensor('images', 'float32', ['batch', 512, 512, 3])];
  const outputs = [tensor('heatmap', 'float32', [1, 128, 128, 80]), tensor('wh', 'float32', [1, 128, 128, 4])];

  it('accepts a model that fits, with symbolic model dimensions and open contract dimensions', () => {
    expect(() => checkContract('m.onnx', CONTRACT, inputs, outputs)).not.toThrow();
  });

  it('names the file and tensor on a missing tensor, wrong dtype or wrong shape', () => {
    expect(() => checkContract('m.onnx', CONTRACT, inputs, outputs.slice(0, 1))).toThrow(
      "Model m.onnx: expected output 'wh' but the model's outputs are: heatmap",
    );
    expect(() => checkContract('m.onnx', CONTRACT, [tensor('images', 'int32', [1, 512, 512, 3])], outputs)).toThrow(
      "Model m.onnx: expected input 'images' of type float32 but received int32",
    );
    expect(() => checkContract('m.onnx', CONTRACT, inputs, [tensor('heatmap', 'float32', [1, 128, 128, 90]), outputs[1]!])).toThrow(
      "Model m.onnx: expected output 'heatmap' of shape [1, ?, ?, 80] but received [1, 128, 128, 90]",
    );
    expect(() => checkContract('m.onnx', CONTRACT, [tensor('images', 'float32', [512, 512, 3])], outputs)).toThrow(/of shape \[1, 512, 512, 3\]/);
  });
});
