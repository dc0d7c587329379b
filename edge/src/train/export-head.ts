/**
 * The fitted head as a small ONNX graph, written by the same ONNX writer the model converter uses:
 *   features [people, D] → (x − mean) × 1/std → (MatMul + Add → Relu) → MatMul + Add → Softmax
 *   → probabilities [people, 3]
 * Only what determines the numbers goes into the file, so the same fit gives the same bytes.
 */
import { GraphBuilder, attr } from '../../../models/src/index.js';
import { HEAD_INPUT, HEAD_OUTPUT } from '../pipeline/phone/phone-head.js';
import { FEATURES_VERSION } from '../pipeline/phone/person-features.js';
import { CLASS_COUNT, type BakedHead } from './head-model.js';

export function exportHead(head: BakedHead): Uint8Array {
  const g = new GraphBuilder({ name: 'phone-head', producerName: 'mimamori-train-phone', producerVersion: '1', docString: 'Per-person phone head: p(call), p(hand), p(none).' });
  g.setMetadata('features', FEATURES_VERSION);
  let value = g.input(HEAD_INPUT, 'float32', ['people', head.dims]);
  value = g.op('Sub', [value, g.initializer('standardise.mean', 'float32', [head.dims], head.shift)]);
  value = g.op('Mul', [value, g.initializer('standardise.inverse_std', 'float32', [head.dims], head.scale)]);
  head.layers.forEach((layer, i) => {
    const w = g.initializer(`layer${i}.weight`, 'float32', [layer.inputs, layer.outputs], layer.weights);
    const b = g.initializer(`layer${i}.bias`, 'float32', [layer.outputs], layer.bias);
    value = g.op('Add', [g.op('MatMul', [value, w]), b]);
    if (layer.relu) value = g.op('Relu', [value]);
  });
  const probabilities = g.op('Softmax', [value], { axis: attr.int(-1) }, HEAD_OUTPUT);
  g.output(probabilities, 'float32', ['people', CLASS_COUNT]);
  return g.toBytes();
}
