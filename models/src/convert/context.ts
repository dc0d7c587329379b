/**
 * State shared by the op handlers while one TF graph is turned into ONNX: which ONNX value holds
 * each TF tensor, lazy materialisation of TF constants as initializers, and small emit helpers.
 */
import type { OnnxDataType } from '../onnx/data-types.js';
import { GraphBuilder, type Attributes } from '../onnx/graph-builder.js';
import type { TfConstant, TfGraphModel } from '../tfjs/load-graph-model.js';
import { tensorKey, type TfNode, type TensorRef } from '../tfjs/tf-node.js';

/** An ONNX value and its element type (handlers need the type to pick ops and casts). */
export interface Value {
  name: string;
  dtype: OnnxDataType;
}

export class ConversionContext {
  readonly g: GraphBuilder;
  readonly model: TfGraphModel;
  private readonly values = new Map<string, Value>();
  private readonly sharedConstants = new Map<string, string>();
  /** Names kept free for the graph's public outputs, which are added last. */
  private readonly reserved: ReadonlySet<string>;

  constructor(model: TfGraphModel, g: GraphBuilder, reservedNames: Iterable<string>) {
    this.model = model;
    this.g = g;
    this.reserved = new Set(reservedNames);
  }

  /** Records that TF tensor `node:index` is held by ONNX value `value`. */
  bind(node: TfNode, index: number, value: Value): void {
    const key = tensorKey({ node: node.name, index });
    if (this.values.has(key)) throw node.error(`output ${index} bound twice`);
    this.values.set(key, value);
  }

  isBound(ref: TensorRef): boolean {
    return this.values.has(tensorKey(ref));
  }

  /** The ONNX value of a node's data input; TF constants become initializers on first use. */
  input(node: TfNode, index: number): Value {
    return this.valueOf(node.input(index), `${node.op} node ${node.name} input ${index}`);
  }

  /** The ONNX value holding TF tensor `ref`; `user` names who asks, for the error message. */
  valueOf(ref: TensorRef, user: string): Value {
    const bound = this.values.get(tensorKey(ref));
    if (bound) return bound;
    const constant = this.constantOf(ref);
    if (constant) {
      const value = this.materialise(ref.node, constant);
      this.values.set(tensorKey(ref), value);
      return value;
    }
    throw new Error(`${user}: ${tensorKey(ref)} has not been converted yet`);
  }

  /** The compile-time value of a node's input when it is a TF constant (through Identity). */
  constant(node: TfNode, index: number): TfConstant | undefined {
    return this.constantOf(node.input(index));
  }

  requireConstant(node: TfNode, index: number): TfConstant {
    const c = this.constant(node, index);
    if (!c) throw node.error(`input ${index} (${tensorKey(node.input(index))}) must be a constant for this conversion`);
    return c;
  }

  /** Integer values of a constant int input (axes, shapes, sizes). */
  constantInts(node: TfNode, index: number): number[] {
    const c = this.requireConstant(node, index);
    if (c.dtype !== 'int32') throw node.error(`input ${index} must be an int32 constant, got ${c.dtype}`);
    return Array.from(c.data);
  }

  /** A shared int64 initializer (ONNX wants int64 for shapes, axes and sizes). */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.shared(`int64[${dims.join(',')}]:${values.join(',')}`, (name) => this.g.int64Constant(name, values, dims), `const_i64_${values.join('_').replace(/-/g, 'm')}`);
  }

  /** A shared float32 scalar initializer. */
  scalarFloat(value: number): string {
    return this.shared(`f32:${value}`, (name) => this.g.floatConstant(name, [], [value]), `const_f32_${String(value).replace(/[^0-9a-z]/gi, '_')}`);
  }

  /** Adds a one-output ONNX node for TF node `node`; the output name derives from the TF name. */
  emit(node: TfNode, opType: string, inputs: readonly string[], attributes?: Attributes, suffix?: string): string {
    const out = this.freshName(suffix ? `${node.name}/${suffix}` : node.name);
    // Node named after its output: unique, and onnxruntime's errors then point at the TF node.
    this.g.addNode({ opType, inputs, outputs: [out], name: out, ...(attributes ? { attributes } : {}) });
    return out;
  }

  /** Adds a node with several outputs. */
  emitMulti(node: TfNode, opType: string, inputs: readonly string[], outputCount: number, attributes?: Attributes): string[] {
    const outputs = Array.from({ length: outputCount }, (_, k) => this.freshName(`${node.name}:${k}`));
    return this.g.addNode({ opType, inputs, outputs, name: outputs[0] as string, ...(attributes ? { attributes } : {}) });
  }

  freshName(base: string): string {
    const name = this.reserved.has(base) ? `${base}/tf` : base;
    return this.g.freshName(name);
  }

  private shared(key: string, create: (name: string) => string, base: string): string {
    const existing = this.sharedConstants.get(key);
    if (existing) return existing;
    const name = create(this.freshName(base));
    this.sharedConstants.set(key, name);
    return name;
  }

  private constantOf(ref: TensorRef): TfConstant | undefined {
    const node = this.model.nodes.get(ref.node);
    if (!node) throw new Error(`${this.model.source}: tensor ${tensorKey(ref)} refers to unknown node ${ref.node}`);
    if (node.op === 'Identity') return this.constantOf(node.input(0));
    if (node.op !== 'Const') return undefined;
    const c = this.model.constants.get(node.name);
    if (!c) throw node.error('constant has no entry in the weights manifest');
    return c;
  }

  private materialise(name: string, c: TfConstant): Value {
    const onnxName = this.freshName(name);
    switch (c.dtype) {
      case 'float32':
        this.g.initializer(onnxName, 'float32', c.shape, c.data);
        break;
      case 'int32':
        this.g.initializer(onnxName, 'int32', c.shape, c.data);
        break;
      case 'bool':
        this.g.initializer(onnxName, 'bool', c.shape, c.data);
        break;
    }
    return { name: onnxName, dtype: c.dtype };
  }
}
