/**
 * Small public API to build an ONNX model in memory and serialise it, with no dependency on the
 * onnx protobuf runtime. Used by the TFJS converter and by tests that need tiny models.
 *
 *   const g = new GraphBuilder({ name: 'tiny' });
 *   const x = g.input('images', 'float32', [1, 3, 64, 64]);
 *   const m = g.op('ReduceMean', [x], { axes: attr.ints([1, 2, 3]), keepdims: attr.int(1) });
 *   const k = g.initializer('k', 'float32', [1, 1, 1], new Float32Array([2]));
 *   g.output(g.op('Mul', [m, k], {}, 'out'), 'float32', [1, 1, 1, 1]);
 *   const bytes = g.toBytes();
 */
import type { OnnxDataType, TensorDataByType } from './data-types.js';
import { encodeModel, type AttributeSpec, type DimSpec, type ModelSpec, type NodeSpec, type TensorSpec, type ValueInfoSpec } from './onnx-encoder.js';

export type { OnnxDataType, TensorData, TensorDataByType } from './data-types.js';
export type { AttributeSpec, DimSpec, ModelSpec, NodeSpec, TensorSpec, ValueInfoSpec } from './onnx-encoder.js';

/** Constructors for node attributes (ONNX distinguishes INT from FLOAT, JavaScript does not). */
export const attr = {
  int: (value: number | bigint): AttributeSpec => ({ type: 'int', value }),
  float: (value: number): AttributeSpec => ({ type: 'float', value }),
  string: (value: string): AttributeSpec => ({ type: 'string', value }),
  ints: (value: readonly (number | bigint)[]): AttributeSpec => ({ type: 'ints', value: [...value] }),
  floats: (value: readonly number[]): AttributeSpec => ({ type: 'floats', value: [...value] }),
  strings: (value: readonly string[]): AttributeSpec => ({ type: 'strings', value: [...value] }),
  tensor: (value: TensorSpec): AttributeSpec => ({ type: 'tensor', value }),
};

export type Attributes = Readonly<Record<string, AttributeSpec>>;

export interface GraphBuilderOptions {
  /** Graph name stored in the model. */
  name: string;
  /** Version of the default ('' = ai.onnx) opset; 17 unless given. */
  opset?: number;
  /** Extra opset imports for other domains, e.g. [{ domain: 'com.microsoft', version: 1 }]. */
  extraOpsets?: readonly { domain: string; version: number }[];
  producerName?: string;
  producerVersion?: string;
  docString?: string;
}

export interface AddNodeOptions {
  opType: string;
  /** '' marks an omitted optional input. */
  inputs: readonly string[];
  /** Output names; when omitted, `outputCount` fresh names are made from the node name. */
  outputs?: readonly string[];
  outputCount?: number;
  name?: string;
  domain?: string;
  attributes?: Attributes;
}

/** IR version 8 is the one that goes with opset 17 (ONNX 1.12); onnxruntime reads newer and older. */
const IR_VERSION_FOR_OPSET: ReadonlyArray<readonly [number, number]> = [
  [19, 9],
  [15, 8],
  [13, 7],
];

function irVersionFor(opset: number): number {
  for (const [minOpset, ir] of IR_VERSION_FOR_OPSET) if (opset >= minOpset) return ir;
  return 6;
}

export class GraphBuilder {
  readonly opset: number;
  private readonly options: GraphBuilderOptions;
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers: TensorSpec[] = [];
  private readonly inputs: ValueInfoSpec[] = [];
  private readonly outputs: ValueInfoSpec[] = [];
  private readonly metadata: { key: string; value: string }[] = [];
  /** Every value name defined so far (graph inputs, initializers, node outputs): ONNX graphs are SSA. */
  private readonly defined = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private readonly counters = new Map<string, number>();

  constructor(options: GraphBuilderOptions) {
    this.options = options;
    this.opset = options.opset ?? 17;
  }

  /** Declares a graph input and returns its name. */
  input(name: string, dtype: OnnxDataType, shape: readonly DimSpec[]): string {
    this.define(name, 'graph input');
    this.inputs.push({ name, dtype, shape: [...shape] });
    return name;
  }

  /** Marks an existing value as a graph output. */
  output(name: string, dtype: OnnxDataType, shape?: readonly DimSpec[]): string {
    if (!this.defined.has(name)) throw new Error(`graph output ${name} is not produced by any node, input or initializer`);
    if (this.outputs.some((o) => o.name === name)) throw new Error(`graph output ${name} declared twice`);
    this.outputs.push(shape ? { name, dtype, shape: [...shape] } : { name, dtype });
    return name;
  }

  /** Adds a constant tensor (weights, shapes, axes) and returns its name. */
  initializer<T extends OnnxDataType>(name: string, dtype: T, dims: readonly number[], data: TensorDataByType[T]): string {
    this.define(name, 'initializer');
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new RangeError(`initializer ${name}: dims [${dims.join(',')}] hold ${count} elements but data has ${data.length}`);
    }
    this.initializers.push({ name, dtype, dims: [...dims], data });
    return name;
  }

  /** Shorthand: a float32 constant. */
  floatConstant(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    return this.initializer(name, 'float32', dims, Float32Array.from(values));
  }

  /** Shorthand: a 1-D (or scalar, with dims []) int64 constant, the type ONNX wants for shapes, axes and indices. */
  int64Constant(name: string, values: readonly (number | bigint)[], dims: readonly number[] = [values.length]): string {
    return this.initializer(name, 'int64', dims, BigInt64Array.from(values, (v) => BigInt(v)));
  }

  /** Adds a node and returns its output names. */
  addNode(options: AddNodeOptions): string[] {
    for (const i of options.inputs) {
      if (i !== '' && !this.defined.has(i)) {
        throw new Error(`node ${options.name ?? options.opType}: input ${i} is not defined yet (add producers first)`);
      }
    }
    const name = options.name ?? this.uniqueName(options.opType, this.nodeNames);
    if (this.nodeNames.has(name)) throw new Error(`node name ${name} used twice`);
    this.nodeNames.add(name);
    const outputs = options.outputs
      ? [...options.outputs]
      : Array.from({ length: options.outputCount ?? 1 }, (_, k) => this.uniqueName(`${name}:${k}`, this.defined));
    for (const o of outputs) this.define(o, `output of node ${name} (${options.opType})`);
    const node: NodeSpec = {
      opType: options.opType,
      inputs: [...options.inputs],
      outputs,
      name,
      ...(options.domain ? { domain: options.domain } : {}),
      ...(options.attributes ? { attributes: options.attributes } : {}),
    };
    this.nodes.push(node);
    return outputs;
  }

  /** Adds a one-output node and returns the output name. */
  op(opType: string, inputs: readonly string[], attributes?: Attributes, outputName?: string): string {
    const [out] = this.addNode({
      opType,
      inputs,
      ...(attributes ? { attributes } : {}),
      ...(outputName ? { outputs: [outputName] } : {}),
    });
    if (out === undefined) throw new Error(`node ${opType} produced no output`);
    return out;
  }

  /** True if a value of that name exists (input, initializer or node output). */
  has(name: string): boolean {
    return this.defined.has(name);
  }

  /** A value name not yet used, derived from `base`. */
  freshName(base: string): string {
    return this.uniqueName(base, this.defined);
  }

  setMetadata(key: string, value: string): void {
    const existing = this.metadata.find((m) => m.key === key);
    if (existing) existing.value = value;
    else this.metadata.push({ key, value });
  }

  toModelSpec(): ModelSpec {
    if (this.outputs.length === 0) throw new Error(`graph ${this.options.name} has no outputs`);
    return {
      irVersion: irVersionFor(this.opset),
      opsetImports: [{ domain: '', version: this.opset }, ...(this.options.extraOpsets ?? [])],
      ...(this.options.producerName ? { producerName: this.options.producerName } : {}),
      ...(this.options.producerVersion ? { producerVersion: this.options.producerVersion } : {}),
      ...(this.options.docString ? { docString: this.options.docString } : {}),
      metadata: this.metadata.map((m) => ({ ...m })),
      graph: {
        name: this.options.name,
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: this.inputs,
        outputs: this.outputs,
      },
    };
  }

  /** Serialised ModelProto, ready for `InferenceSession.create(bytes)` or a .onnx file. */
  toBytes(): Uint8Array {
    return encodeModel(this.toModelSpec());
  }

  private define(name: string, what: string): void {
    if (name === '') throw new Error(`${what}: empty value name`);
    if (this.defined.has(name)) throw new Error(`${what}: value name ${name} is already defined`);
    this.defined.add(name);
  }

  private uniqueName(base: string, taken: ReadonlySet<string>): string {
    if (!taken.has(base)) return base;
    let n = this.counters.get(base) ?? 1;
    while (taken.has(`${base}_${n}`)) n++;
    this.counters.set(base, n + 1);
    return `${base}_${n}`;
  }
}
