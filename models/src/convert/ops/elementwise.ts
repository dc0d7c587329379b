/** Element-wise arithmetic, activations and casts. */
import { attr } from '../../onnx/graph-builder.js';
import { onnxDataTypeCode } from '../../onnx/data-types.js';
import type { TfNode } from '../../tfjs/tf-node.js';
import type { ConversionContext, Value } from '../context.js';
import type { OpHandler } from '../op-handler.js';
import { onnxTypeOfTf } from '../tf-dtype.js';

function binaryInputs(ctx: ConversionContext, node: TfNode): [Value, Value] {
  const a = ctx.input(node, 0);
  const b = ctx.input(node, 1);
  if (a.dtype !== b.dtype) throw node.error(`operand types differ: ${a.dtype} vs ${b.dtype}`);
  return [a, b];
}

function binary(onnxOp: string, resultType?: 'bool'): OpHandler {
  return (ctx, node) => {
    const [a, b] = binaryInputs(ctx, node);
    ctx.bind(node, 0, { name: ctx.emit(node, onnxOp, [a.name, b.name]), dtype: resultType ?? a.dtype });
  };
}

function unary(onnxOp: string): OpHandler {
  return (ctx, node) => {
    const x = ctx.input(node, 0);
    ctx.bind(node, 0, { name: ctx.emit(node, onnxOp, [x.name]), dtype: x.dtype });
  };
}

const isInteger = (v: Value): boolean => v.dtype === 'int32' || v.dtype === 'int64' || v.dtype === 'int8' || v.dtype === 'uint8';

/**
 * TF FloorDiv rounds toward −∞; ONNX Div on integers truncates. For integers, (a − floormod(a, b)) / b
 * is exact; ONNX Mod with fmod=0 is the floor modulo.
 */
const floorDiv: OpHandler = (ctx, node) => {
  const [a, b] = binaryInputs(ctx, node);
  if (isInteger(a)) {
    const mod = ctx.emit(node, 'Mod', [a.name, b.name], { fmod: attr.int(0) }, 'mod');
    const exact = ctx.emit(node, 'Sub', [a.name, mod], undefined, 'sub');
    ctx.bind(node, 0, { name: ctx.emit(node, 'Div', [exact, b.name]), dtype: a.dtype });
    return;
  }
  const q = ctx.emit(node, 'Div', [a.name, b.name], undefined, 'div');
  ctx.bind(node, 0, { name: ctx.emit(node, 'Floor', [q]), dtype: a.dtype });
};

/** TF FloorMod: result has the sign of the divisor. ONNX Mod(fmod=0) does that for integers only. */
const floorMod: OpHandler = (ctx, node) => {
  const [a, b] = binaryInputs(ctx, node);
  if (isInteger(a)) {
    ctx.bind(node, 0, { name: ctx.emit(node, 'Mod', [a.name, b.name], { fmod: attr.int(0) }), dtype: a.dtype });
    return;
  }
  const q = ctx.emit(node, 'Floor', [ctx.emit(node, 'Div', [a.name, b.name], undefined, 'div')], undefined, 'floor');
  const whole = ctx.emit(node, 'Mul', [q, b.name], undefined, 'mul');
  ctx.bind(node, 0, { name: ctx.emit(node, 'Sub', [a.name, whole]), dtype: a.dtype });
};

const squaredDifference: OpHandler = (ctx, node) => {
  const [a, b] = binaryInputs(ctx, node);
  const d = ctx.emit(node, 'Sub', [a.name, b.name], undefined, 'diff');
  ctx.bind(node, 0, { name: ctx.emit(node, 'Mul', [d, d]), dtype: a.dtype });
};

const relu6: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  if (x.dtype !== 'float32') throw node.error(`Relu6 on ${x.dtype} is not supported`);
  ctx.bind(node, 0, { name: ctx.emit(node, 'Clip', [x.name, ctx.scalarFloat(0), ctx.scalarFloat(6)]), dtype: x.dtype });
};

const cast: OpHandler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const to = onnxTypeOfTf(node.type('DstT'), `${node.op} node ${node.name}`);
  ctx.bind(node, 0, { name: ctx.emit(node, 'Cast', [x.name], { to: attr.int(onnxDataTypeCode(to)) }), dtype: to });
};

/** Identity adds no ONNX node: the TF name simply refers to the same value. */
const identity: OpHandler = (ctx, node) => {
  ctx.bind(node, 0, ctx.input(node, 0));
};

export const elementwiseHandlers: Readonly<Record<string, OpHandler>> = {
  Add: binary('Add'),
  AddV2: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  RealDiv: binary('Div'),
  Div: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Equal: binary('Equal', 'bool'),
  Greater: binary('Greater', 'bool'),
  Less: binary('Less', 'bool'),
  FloorDiv: floorDiv,
  FloorMod: floorMod,
  SquaredDifference: squaredDifference,
  Sigmoid: unary('Sigmoid'),
  Relu: unary('Relu'),
  Sqrt: unary('Sqrt'),
  Exp: unary('Exp'),
  Neg: unary('Neg'),
  Tanh: unary('Tanh'),
  Relu6: relu6,
  Cast: cast,
  Identity: identity,
};
