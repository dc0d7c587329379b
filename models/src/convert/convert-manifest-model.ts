/** Converts one models.json entry from its npm-shipped TFJS graph to ONNX bytes. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ManifestModel } from '../manifest.js';
import { loadGraphModel } from '../tfjs/load-graph-model.js';
import { convertGraph, type GraphEndpoint } from './convert-graph.js';

/** Bump when the converter's output changes on purpose, then refresh the SHA-256 values in models.json. */
export const CONVERTER_VERSION = '1';

function endpoint(name: string, model: string, t: { name: string; dtype: GraphEndpoint['dtype']; shape: number[]; graphTensor?: string | undefined }): GraphEndpoint {
  if (!t.graphTensor) throw new Error(`model ${model}: ${name} ${t.name} has no graphTensor in models.json, so the converter cannot tell which graph tensor it is`);
  return { tfTensor: t.graphTensor, name: t.name, dtype: t.dtype, shape: t.shape };
}

export async function convertManifestModel(name: string, entry: ManifestModel, root: string): Promise<Uint8Array> {
  const packageDir = path.join(root, 'node_modules', entry.source.package);
  const pkg = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as { version?: unknown };
  if (pkg.version !== entry.source.version) {
    throw new Error(`model ${name}: models.json pins ${entry.source.package}@${entry.source.version} but ${packageDir} is version ${String(pkg.version)}`);
  }
  const graph = await loadGraphModel(path.join(packageDir, entry.source.graph));
  return convertGraph(graph, {
    modelName: name,
    inputs: [endpoint('input', name, entry.input)],
    outputs: entry.outputs.map((o) => endpoint('output', name, o)),
    producerName: 'mimamori-models',
    producerVersion: CONVERTER_VERSION,
    // Only what determines the content goes into the file, so editing licence or upstream notes in
    // models.json does not change the bytes (and the pinned SHA-256).
    docString: `Converted from ${entry.source.package}@${entry.source.version} ${entry.source.graph}.`,
    metadata: { source: `${entry.source.package}@${entry.source.version}/${entry.source.graph}` },
  });
}
