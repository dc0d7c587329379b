/** Ops that only move or reinterpret elements: Reshape, ExpandDims, Squeeze, ConcatV2, Pack, Unpack. */
import { attr } from '../../onnx/graph-builder.js';
import type { OpHandler } from '../op-handler.js';

const reshape: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const shape = ctx.constantInts(node, 1);
  // ONNX reads 0 as "copy this dimension" unless allowzero=1; TF means a real zero-size dimension.
  const attributes = shape.includes(0) ? { allowzero: attr.int(1) } : undefined;
  ctx.bind(node, 0, { name: ctx.emit(node, 'Reshape', [x.name, ctx.int64(shape)], attributes), dtype: x.dtype });
};

const expandDims: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const axes = ctx.constantInts(node, 1);
  if (axes.length !== 1) throw node.error(`dim must be a single value, got [${axes.join(',')}]`);
  // TF and ONNX agree on negative axes here: both count from the end of the output rank.
  ctx.bind(node, 0, { name: ctx.emit(node, 'Unsqueeze', [x.name, ctx.int64(axes)]), dtype: x.dtype });
};

const squeeze: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const axes = node.has('squeeze_dims') ? node.ints('squeeze_dims') : node.ints('axis', []);
  const inputs = axes.length > 0 ? [x.name, ctx.int64(axes)] : [x.name];
  ctx.bind(node, 0, { name: ctx.emit(node, 'Squeeze', inputs), dtype: x.dtype });
};

const concat: OpHandler = (ctx, node) => {
  const n = node.inputs.length - 1;
  const axis = ctx.constantInts(node, n);
  if (n < 1 || axis.length !== 1) throw node.error('expects data inputs followed by a scalar axis');
  const parts = Array.from({ length: n }, (_, i) => ctx.input(node, i));
  const dtype = parts[0]?.dtype ?? 'float32';
  if (parts.some((p) => p.dtype !== dtype)) throw node.error(`inputs mix types ${parts.map((p) => p.dtype).join(', ')}`);
  ctx.bind(node, 0, { name: ctx.emit(node, 'Concat', parts.map((p) => p.name), { axis: attr.int(axis[0] ?? 0) }), dtype });
};

/** Pack (tf.stack) = Unsqueeze each input at `axis`, then Concat along it. */
const pack: OpHandler = (ctx, node) => {
  const axis = node.int('axis', 0);
  const parts = node.inputs.map((_, i) => ctx.input(node, i));
  const first = parts[0];
  if (!first) throw node.error('has no inputs');
  const axes = ctx.int64([axis]);
  const expanded = parts.map((p, i) => ctx.emit(node, 'Unsqueeze', [p.name, axes], undefined, `expand_${i}`));
  const out = expanded.length === 1 ? (expanded[0] as string) : ctx.emit(node, 'Concat', expanded, { axis: attr.int(axis) });
  ctx.bind(node, 0, { name: out, dtype: first.dtype });
};

/** Unpack (tf.unstack) = Split into `num` equal parts along `axis`, then Squeeze that axis. */
const unpack: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const axis = node.int('axis', 0);
  const num = node.int('num');
  const axes = ctx.int64([axis]);
  const parts = num === 1 ? [x.name] : ctx.emitMulti(node, 'Split', [x.name], num, { axis: attr.int(axis) });
  parts.forEach((part, k) => {
    ctx.bind(node, k, { name: ctx.emit(node, 'Squeeze', [part, axes], undefined, `squeeze_${k}`), dtype: x.dtype });
  });
};

export const shapeHandlers: Readonly<Record<string, OpHandler>> = {
  Reshape: reshape,
  ExpandDims: expandDims,
  Squeeze: squeeze,
  ConcatV2: concat,
  Pack: pack,
  Unpack: unpack,
};
