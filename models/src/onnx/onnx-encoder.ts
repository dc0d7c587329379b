/**
 * ONNX message shapes (a plain-object subset of onnx.proto) and their protobuf encoding.
 * Field numbers are those of onnx/onnx.proto3; only fields this project writes are listed.
 */
import { onnxDataTypeCode, toLittleEndianBytes, type OnnxDataType, type TensorData } from './data-types.js';
import { ProtoWriter } from './proto-writer.js';

export interface TensorSpec {
  name: string;
  dtype: OnnxDataType;
  dims: readonly number[];
  data: TensorData;
}

/** Tagged so that 1 (INT) and 1.0 (FLOAT) cannot be confused: JavaScript numbers do not tell them apart. */
export type AttributeSpec =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number | bigint }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: TensorSpec }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'ints'; value: readonly (number | bigint)[] }
  | { type: 'strings'; value: readonly string[] };

export interface NodeSpec {
  opType: string;
  /** '' marks an omitted optional input. */
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  domain?: string;
  /** Written in key order as given; callers keep it stable for byte-identical files. */
  attributes?: Readonly<Record<string, AttributeSpec>>;
}

/** A dimension is a fixed size or a symbolic name such as 'batch'. */
export type DimSpec = number | string;

export interface ValueInfoSpec {
  name: string;
  dtype: OnnxDataType;
  shape?: readonly DimSpec[];
}

export interface GraphSpec {
  name: string;
  nodes: readonly NodeSpec[];
  initializers: readonly TensorSpec[];
  inputs: readonly ValueInfoSpec[];
  outputs: readonly ValueInfoSpec[];
  docString?: string;
}

export interface ModelSpec {
  irVersion: number;
  opsetImports: readonly { domain: string; version: number }[];
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  metadata?: readonly { key: string; value: string }[];
  graph: GraphSpec;
}

const ATTRIBUTE_TYPE_CODES: Record<AttributeSpec['type'], number> = {
  float: 1,
  int: 2,
  string: 3,
  tensor: 4,
  floats: 6,
  ints: 7,
  strings: 8,
};

const textEncoder = new TextEncoder();

export function encodeTensor(w: ProtoWriter, t: TensorSpec): void {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) {
    throw new RangeError(`tensor ${t.name}: dims [${t.dims.join(',')}] hold ${count} elements but data has ${t.data.length}`);
  }
  w.packedInts(1, t.dims);
  w.int(2, onnxDataTypeCode(t.dtype));
  w.string(8, t.name);
  w.bytes(9, toLittleEndianBytes(t.dtype, t.data));
}

function encodeAttribute(w: ProtoWriter, name: string, a: AttributeSpec): void {
  w.string(1, name);
  w.int(20, ATTRIBUTE_TYPE_CODES[a.type]);
  switch (a.type) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.bytes(4, textEncoder.encode(a.value));
      break;
    case 'tensor':
      w.message(5, (t) => encodeTensor(t, a.value));
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'ints':
      w.packedInts(8, a.value);
      break;
    case 'strings':
      for (const s of a.value) w.bytes(9, textEncoder.encode(s));
      break;
  }
}

function encodeNode(w: ProtoWriter, n: NodeSpec): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [key, attr] of Object.entries(n.attributes ?? {})) {
    w.message(5, (a) => encodeAttribute(a, key, attr));
  }
  if (n.domain) w.string(7, n.domain);
}

function encodeValueInfo(w: ProtoWriter, v: ValueInfoSpec): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.int(1, onnxDataTypeCode(v.dtype));
      if (v.shape) {
        const shape = v.shape;
        tensorType.message(2, (s) => {
          for (const d of shape) {
            s.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
          }
        });
      }
    }),
  );
}

function encodeGraph(w: ProtoWriter, g: GraphSpec): void {
  for (const n of g.nodes) w.message(1, (m) => encodeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => encodeTensor(m, t));
  if (g.docString) w.string(10, g.docString);
  for (const v of g.inputs) w.message(11, (m) => encodeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => encodeValueInfo(m, v));
}

export function encodeModel(model: ModelSpec): Uint8Array {
  const w = new ProtoWriter(1 << 16);
  w.int(1, model.irVersion);
  if (model.producerName) w.string(2, model.producerName);
  if (model.producerVersion) w.string(3, model.producerVersion);
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => encodeGraph(g, model.graph));
  for (const op of model.opsetImports) {
    w.message(8, (o) => {
      if (op.domain) o.string(1, op.domain);
      o.int(2, op.version);
    });
  }
  for (const { key, value } of model.metadata ?? []) {
    w.message(14, (m) => m.string(1, key).string(2, value));
  }
  return w.finish();
}
