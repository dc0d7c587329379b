/**
 * Converts the part of a TF graph that the requested outputs depend on into an ONNX model.
 * Everything downstream of those outputs (e.g. centernet's TopK decode) is simply never visited.
 */
import type { OnnxDataType } from '../onnx/data-types.js';
import { GraphBuilder } from '../onnx/graph-builder.js';
import type { TfGraphModel } from '../tfjs/load-graph-model.js';
import { parseTensorRef, tensorKey, type TfNode } from '../tfjs/tf-node.js';
import { ConversionContext } from './context.js';
import { handlerFor } from './op-registry.js';
import { onnxTypeOfTf } from './tf-dtype.js';

export interface GraphEndpoint {
  /** TF tensor: `node` or `node:k` (for inputs: the Placeholder's name). */
  tfTensor: string;
  /** Public ONNX name. */
  name: string;
  dtype: OnnxDataType;
  shape: readonly number[];
}

export interface ConvertOptions {
  /** Model name used in errors and as the ONNX graph name. */
  modelName: string;
  inputs: readonly GraphEndpoint[];
  outputs: readonly GraphEndpoint[];
  opset?: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  metadata?: Readonly<Record<string, string>>;
}

export function convertGraph(model: TfGraphModel, options: ConvertOptions): Uint8Array {
  try {
    return convert(model, options);
  } catch (err) {
    throw new Error(`converting model ${options.modelName} (${model.source}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function convert(model: TfGraphModel, options: ConvertOptions): Uint8Array {
  const g = new GraphBuilder({
    name: options.modelName,
    opset: options.opset ?? 17,
    ...(options.producerName ? { producerName: options.producerName } : {}),
    ...(options.producerVersion ? { producerVersion: options.producerVersion } : {}),
    ...(options.docString ? { docString: options.docString } : {}),
  });
  for (const [key, value] of Object.entries(options.metadata ?? {})) g.setMetadata(key, value);
  const ctx = new ConversionContext(model, g, options.outputs.map((o) => o.name));

  for (const input of options.inputs) {
    const node = model.nodes.get(input.tfTensor);
    if (!node || node.op !== 'Placeholder') throw new Error(`input ${input.name}: ${input.tfTensor} is not a Placeholder of the graph`);
    const declared = onnxTypeOfTf(node.type('dtype'), `input ${input.name}`);
    if (declared !== input.dtype) throw node.error(`graph declares ${declared} but the manifest asks for ${input.dtype}`);
    const shape = node.shape('shape');
    // -1 marks a dimension the graph leaves open; the manifest may fix it.
    if (shape && (shape.length !== input.shape.length || shape.some((d, i) => d !== -1 && d !== input.shape[i]))) {
      throw node.error(`graph declares shape [${shape.join(',')}] but the manifest asks for [${input.shape.join(',')}]`);
    }
    g.input(input.name, input.dtype, input.shape);
    ctx.bind(node, 0, { name: input.name, dtype: input.dtype });
  }

  for (const node of nodesInDependencyOrder(model, options.outputs.map((o) => o.tfTensor))) {
    if (node.op === 'Const' || ctx.isBound({ node: node.name, index: 0 })) continue;
    if (node.op === 'Placeholder') throw node.error('graph input is not listed in the manifest');
    const handler = handlerFor(node.op);
    if (!handler) throw node.error('op is not supported by this converter');
    handler(ctx, node);
  }

  for (const output of options.outputs) {
    const ref = parseTensorRef(output.tfTensor);
    if (!model.nodes.has(ref.node)) throw new Error(`output ${output.name}: ${output.tfTensor} is not in the graph`);
    const value = ctx.valueOf(ref, `output ${output.name}`);
    if (value.dtype !== output.dtype) throw new Error(`output ${output.name}: ${tensorKey(ref)} is ${value.dtype}, manifest says ${output.dtype}`);
    g.addNode({ opType: 'Identity', inputs: [value.name], outputs: [output.name], name: output.name });
    g.output(output.name, output.dtype, output.shape);
  }
  return g.toBytes();
}

/** Post-order DFS from the outputs: each node after all nodes it reads. Iterative, so deep graphs cannot overflow the stack. */
function nodesInDependencyOrder(model: TfGraphModel, outputs: readonly string[]): TfNode[] {
  const order: TfNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  for (const out of outputs) {
    const root = parseTensorRef(out).node;
    const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { name: string; next: number };
      const node = model.nodes.get(top.name);
      if (!node) throw new Error(`node ${top.name} is referenced but not defined`);
      if (top.next === 0) {
        if (state.get(top.name) === 'done') {
          stack.pop();
          continue;
        }
        state.set(top.name, 'visiting');
      }
      const dep = node.inputs[top.next];
      if (dep) {
        top.next++;
        const s = state.get(dep.node);
        if (s === 'visiting') throw node.error(`cycle through ${dep.node}`);
        if (s !== 'done') stack.push({ name: dep.node, next: 0 });
        continue;
      }
      state.set(top.name, 'done');
      order.push(node);
      stack.pop();
    }
  }
  return order;
}
