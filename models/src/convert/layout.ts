/**
 * NHWC ↔ NCHW: TF graphs are NHWC, ONNX Conv/MaxPool are NCHW. Each such op is wrapped in a
 * Transpose pair; onnxruntime's transpose optimiser cancels the adjacent pairs.
 */
import { attr } from '../onnx/graph-builder.js';
import type { TfNode } from '../tfjs/tf-node.js';
import type { ConversionContext } from './context.js';

export function nhwcToNchw(ctx: ConversionContext, node: TfNode, x: string): string {
  return ctx.emit(node, 'Transpose', [x], { perm: attr.ints([0, 3, 1, 2]) }, 'to_nchw');
}

export function nchwToNhwc(ctx: ConversionContext, node: TfNode, x: string): string {
  return ctx.emit(node, 'Transpose', [x], { perm: attr.ints([0, 2, 3, 1]) }, 'to_nhwc');
}

/** Checks the data_format attribute and returns the H and W entries of a 4-element NHWC list (strides, ksize). */
export function spatialPair(node: TfNode, key: string, values: readonly number[]): [number, number] {
  const format = node.string('data_format', 'NHWC');
  if (format !== 'NHWC') throw node.error(`data_format ${format} is not supported (NHWC only)`);
  if (values.length !== 4 || values[0] !== 1 || values[3] !== 1) {
    throw node.error(`${key} [${values.join(',')}] must be [1, h, w, 1]`);
  }
  return [values[1] as number, values[2] as number];
}
