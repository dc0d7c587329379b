/** Mean and ArgMax. */
import { attr } from '../../onnx/graph-builder.js';
import { onnxDataTypeCode } from '../../onnx/data-types.js';
import type { OpHandler } from '../op-handler.js';
import { onnxTypeOfTf } from '../tf-dtype.js';

const mean: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const axes = ctx.constantInts(node, 1);
  // Opset 17's ReduceMean still takes axes as an attribute (opset 18 made it an input).
  const out = ctx.emit(node, 'ReduceMean', [x.name], { axes: attr.ints(axes), keepdims: attr.int(node.bool('keep_dims', false) ? 1 : 0) });
  ctx.bind(node, 0, { name: out, dtype: x.dtype });
};

/** ONNX ArgMax always yields int64; TF's output_type (int64 by default) may ask for int32. */
const argMax: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const axis = ctx.constantInts(node, 1);
  if (axis.length !== 1) throw node.error(`dimension must be a scalar, got [${axis.join(',')}]`);
  const outType = onnxTypeOfTf(node.type('output_type', 'DT_INT64'), `${node.op} node ${node.name}`);
  const indices = ctx.emit(node, 'ArgMax', [x.name], { axis: attr.int(axis[0] ?? 0), keepdims: attr.int(0) }, outType === 'int64' ? undefined : 'int64');
  const out = outType === 'int64' ? indices : ctx.emit(node, 'Cast', [indices], { to: attr.int(onnxDataTypeCode(outType)) });
  ctx.bind(node, 0, { name: out, dtype: outType });
};

export const reductionHandlers: Readonly<Record<string, OpHandler>> = {
  Mean: mean,
  ArgMax: argMax,
};
