/**
 * Reads a TensorFlow.js graph model (model.json + weight shards) from disk and dequantises its
 * weights to float32, so the converter sees plain tensors.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeFloat16Bytes } from './float16.js';
import { graphModelJsonSchema, type GraphModelJson, type WeightSpec } from './model-json.js';
import { TfNode } from './tf-node.js';

export type TfDataType = 'float32' | 'int32' | 'bool';

export type TfConstant =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'int32'; shape: number[]; data: Int32Array }
  | { dtype: 'bool'; shape: number[]; data: Uint8Array };

export interface TfGraphModel {
  /** The model.json path, for error messages. */
  source: string;
  json: GraphModelJson;
  nodes: ReadonlyMap<string, TfNode>;
  /** Every Const node's value, dequantised. */
  constants: ReadonlyMap<string, TfConstant>;
}

export async function loadGraphModel(modelJsonPath: string): Promise<TfGraphModel> {
  const text = await readFile(modelJsonPath, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${modelJsonPath} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const manifest = graphModelJsonSchema.shape.weightsManifest.safeParse((json as { weightsManifest?: unknown } | null)?.weightsManifest);
  const paths = manifest.success ? manifest.data.flatMap((g) => g.paths) : [];
  const dir = path.dirname(modelJsonPath);
  const shards = await Promise.all(paths.map((p) => readFile(path.join(dir, p))));
  return graphModelFromParts(json, Buffer.concat(shards), modelJsonPath);
}

/**
 * Builds the in-memory model from parsed model.json and the weight bytes of all shards of all
 * manifest groups, concatenated in manifest order (as tfjs itself reads them). No I/O.
 */
export function graphModelFromParts(json: unknown, weightData: Uint8Array, source: string): TfGraphModel {
  const parsed = graphModelJsonSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${source} is not a TFJS graph model: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const model = parsed.data;
  const constants = new Map<string, TfConstant>();
  let offset = 0;
  for (const spec of model.weightsManifest.flatMap((g) => g.weights)) {
    const size = storedByteLength(spec, source);
    if (offset + size > weightData.length) {
      throw new Error(`${source}: weight ${spec.name} needs bytes ${offset}..${offset + size} but the shards hold ${weightData.length}`);
    }
    constants.set(spec.name, decodeWeight(spec, weightData.subarray(offset, offset + size), source));
    offset += size;
  }
  if (offset !== weightData.length) throw new Error(`${source}: weights use ${offset} bytes but the shards hold ${weightData.length}`);
  const nodes = new Map<string, TfNode>();
  for (const n of model.modelTopology.node) {
    if (nodes.has(n.name)) throw new Error(`${source}: node ${n.name} defined twice`);
    nodes.set(n.name, new TfNode(n));
  }
  return { source, json: model, nodes, constants };
}

function elementCount(spec: WeightSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

function storedByteLength(spec: WeightSpec, source: string): number {
  const count = elementCount(spec);
  const stored = spec.quantization?.dtype ?? spec.dtype;
  switch (stored) {
    case 'float32':
    case 'int32':
      return count * 4;
    case 'float16':
      return count * 2;
    case 'bool':
      return count;
    default:
      throw new Error(`${source}: weight ${spec.name} is stored as ${stored}, which this loader does not read`);
  }
}

function decodeWeight(spec: WeightSpec, bytes: Uint8Array, source: string): TfConstant {
  const count = elementCount(spec);
  const shape = [...spec.shape];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const quant = spec.quantization?.dtype;
  if (quant !== undefined && !(quant === 'float16' && spec.dtype === 'float32')) {
    throw new Error(`${source}: weight ${spec.name} uses ${quant} quantisation of ${spec.dtype}; only float16 → float32 is supported`);
  }
  switch (spec.dtype) {
    case 'float32': {
      if (quant === 'float16') return { dtype: 'float32', shape, data: decodeFloat16Bytes(bytes, count) };
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
      return { dtype: 'float32', shape, data };
    }
    case 'int32': {
      const data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(i * 4, true);
      return { dtype: 'int32', shape, data };
    }
    case 'bool':
      return { dtype: 'bool', shape, data: Uint8Array.from(bytes) };
    default:
      throw new Error(`${source}: weight ${spec.name} has dtype ${spec.dtype}, which this loader does not read`);
  }
}
