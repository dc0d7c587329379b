import type { TfNode } from '../tfjs/tf-node.js';
import type { ConversionContext } from './context.js';

/** Emits the ONNX nodes for one TF node and binds each of its outputs with `ctx.bind`. */
export type OpHandler = (ctx: ConversionContext, node: TfNode) => void;
