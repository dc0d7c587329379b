/** Runs one manifest model through onnxruntime and through its original TFJS graph on the same image. */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ManifestModel } from '../../src/manifest.js';
import { packageRoot } from '../../src/package-root.js';
import { rgbPixels } from './test-images.js';
import { loadTfjsGraphModel, runTfjs, tf } from './tfjs-reference.js';

export interface ParityRunner {
  /** Max |ONNX − TFJS| per output name. */
  compare(imageFile: string): Promise<Record<string, number>>;
  release(): Promise<void>;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length differs: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    // NaN must not hide: it would compare false against any bound.
    if (Number.isNaN(d)) return Number.NaN;
    if (d > max) max = d;
  }
  return max;
}

/** The model input as the manifest describes it (shape, dtype, range, resize) from an image file. */
export async function modelInput(entry: ManifestModel, imageFile: string): Promise<{ data: Float32Array | Int32Array; dims: number[] }> {
  const { input } = entry;
  if (input.layout !== 'NHWC') throw new Error('only NHWC inputs are prepared here');
  const [, h, w] = input.shape;
  if (h === undefined || h !== w) throw new Error(`square input expected, got [${input.shape.join(',')}]`);
  const rgb = await rgbPixels(imageFile, h, input.resize);
  const [lo, hi] = input.range;
  const scale = (hi - lo) / 255;
  if (input.dtype === 'int32') return { data: Int32Array.from(rgb), dims: input.shape };
  if (input.dtype !== 'float32') throw new Error(`input dtype ${input.dtype} is not prepared here`);
  return { data: Float32Array.from(rgb, (v) => lo + v * scale), dims: input.shape };
}

export async function createParityRunner(name: string, entry: ManifestModel, onnxFile: string): Promise<ParityRunner> {
  const session = await ort.InferenceSession.create(onnxFile);
  const graph = await loadTfjsGraphModel(path.join(packageRoot(), 'node_modules', entry.source.package, entry.source.graph));
  const tfInput = entry.input.graphTensor;
  const tfOutputs = entry.outputs.map((o) => o.graphTensor);
  if (!tfInput || tfOutputs.some((o) => !o)) throw new Error(`model ${name}: models.json lacks graphTensor names`);
  return {
    async compare(imageFile) {
      const { data, dims } = await modelInput(entry, imageFile);
      const onnxResult = await session.run({ [entry.input.name]: new ort.Tensor(entry.input.dtype as 'float32' | 'int32', data, dims) });
      const tfTensor = tf.tensor(data, dims, entry.input.dtype as 'float32' | 'int32');
      const tfResult = await runTfjs(graph, { [tfInput]: tfTensor }, tfOutputs as string[]);
      tfTensor.dispose();
      const diffs: Record<string, number> = {};
      entry.outputs.forEach((o, k) => {
        const onnxOut = onnxResult[o.name];
        const tfOut = tfResult[k];
        if (!onnxOut || !tfOut) throw new Error(`model ${name}: output ${o.name} missing from a result`);
        diffs[o.name] = maxAbsDiff(onnxOut.data as Float32Array, tfOut);
      });
      return diffs;
    },
    async release() {
      graph.dispose();
      await session.release();
    },
  };
}
