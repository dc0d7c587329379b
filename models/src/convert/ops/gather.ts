/** GatherNd and GatherV2. */
import { attr } from '../../onnx/graph-builder.js';
import { onnxDataTypeCode } from '../../onnx/data-types.js';
import type { OpHandler } from '../op-handler.js';

/** ONNX GatherND takes int64 indices only; TF graphs usually carry int32. */
const gatherNd: OpHandler = (ctx, node) => {
  const params = ctx.input(node, 0);
  const indices = ctx.input(node, 1);
  const idx = indices.dtype === 'int64' ? indices.name : ctx.emit(node, 'Cast', [indices.name], { to: attr.int(onnxDataTypeCode('int64')) }, 'indices_i64');
  ctx.bind(node, 0, { name: ctx.emit(node, 'GatherND', [params.name, idx]), dtype: params.dtype });
};

const gatherV2: OpHandler = (ctx, node) => {
  const params = ctx.input(node, 0);
  const indices = ctx.input(node, 1);
  const axis = ctx.constantInts(node, 2);
  if (node.int('batch_dims', 0) !== 0) throw node.error('batch_dims other than 0 is not supported');
  if (axis.length !== 1) throw node.error(`axis must be a scalar, got [${axis.join(',')}]`);
  ctx.bind(node, 0, { name: ctx.emit(node, 'Gather', [params.name, indices.name], { axis: attr.int(axis[0] ?? 0) }), dtype: params.dtype });
};

export const gatherHandlers: Readonly<Record<string, OpHandler>> = {
  GatherNd: gatherNd,
  GatherV2: gatherV2,
};
