/**
 * Runs an original TFJS graph model on the WebAssembly backend, as the reference the ONNX
 * conversion is compared with. Weights are read from disk and handed over with tf.io.fromMemory.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

let ready: Promise<void> | undefined;

/** Selects the wasm backend once per process; its .wasm files are read from the installed package. */
export function useWasmBackend(): Promise<void> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const distDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(`${distDir}${path.sep}`);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
    await tf.ready();
  })();
  return ready;
}

export async function loadTfjsGraphModel(modelJsonPath: string): Promise<tf.GraphModel> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as { weightsManifest: { paths: string[] }[] };
  const dir = path.dirname(modelJsonPath);
  const shards = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(dir, p))));
  return loadTfjsGraphModelFromParts(json, Buffer.concat(shards));
}

/** Loads a graph model from a parsed model.json and the concatenated weight bytes of all its shards. */
export async function loadTfjsGraphModelFromParts(json: object, weightBytes: Uint8Array): Promise<tf.GraphModel> {
  await useWasmBackend();
  const { modelTopology, weightsManifest } = json as {
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weightSpecs = weightsManifest.flatMap((g) => g.weights);
  const weightData = weightBytes.buffer.slice(weightBytes.byteOffset, weightBytes.byteOffset + weightBytes.byteLength) as ArrayBuffer;
  return tf.loadGraphModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData }));
}

/** Runs `model` and returns each requested output as a flat Float32Array. */
export async function runTfjs(model: tf.GraphModel, inputs: Readonly<Record<string, tf.Tensor>>, outputs: readonly string[]): Promise<Float32Array[]> {
  const result = model.execute({ ...inputs }, [...outputs]);
  const tensors = Array.isArray(result) ? result : [result];
  try {
    return await Promise.all(tensors.map(async (t) => Float32Array.from(await t.data())));
  } finally {
    tf.dispose(tensors);
  }
}

export { tf };
