/**
 * The head's fit, its ONNX export and its determinism, on synthetic feature vectors (the real ones
 * need the training photos): three separable classes in 40 dimensions with noise.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { checkWithOnnx, pythonWithOnnx } from '../../../models/test/helpers/python-onnx.js';
import { seededRandom } from './augment.js';
import { exportHead } from './export-head.js';
import { fitHead, forward, type Dataset, type FitOptions } from './head-model.js';

function synthetic(rows: number, dims: number, seed: number): Dataset {
  const random = seededRandom('synthetic', seed);
  const x = new Float32Array(rows * dims);
  const y = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    // Unbalanced like the real data: few calls, some hands, mostly none.
    const c = r % 10 === 0 ? 0 : r % 10 === 1 ? 1 : 2;
    y[r] = c;
    for (let d = 0; d < dims; d++) x[r * dims + d] = (random() - 0.5) * 2 + (d % 3 === c ? 1.5 : 0) + d * 10;
  }
  return { x, dims, y };
}

const LOGISTIC: FitOptions = { hidden: 0, l2: 0.01, epochs: 20, batchSize: 32, learningRate: 0.01, seed: 7 };
const MLP: FitOptions = { ...LOGISTIC, hidden: 8 };

function accuracy(data: Dataset, head: ReturnType<typeof fitHead>): number {
  let right = 0;
  for (let r = 0; r < data.y.length; r++) {
    const p = forward(head, data.x.subarray(r * data.dims, (r + 1) * data.dims));
    const best = p.indexOf(Math.max(...p));
    if (best === data.y[r]) right++;
  }
  return right / data.y.length;
}

async function onnxProbabilities(bytes: Uint8Array, x: Float32Array, rows: number, dims: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ features: new ort.Tensor('float32', x, [rows, dims]) });
    return out.probabilities!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('phone head model', () => {
  for (const [name, options] of [['logistic regression', LOGISTIC], ['one hidden layer', MLP]] as const) {
    it(`${name}: learns separable classes (features far from zero mean, so the standardisation matters)`, () => {
      const data = synthetic(600, 40, 1);
      const head = fitHead(data, options);
      expect(accuracy(data, head)).toBeGreaterThan(0.95);
      const held = synthetic(300, 40, 2);
      expect(accuracy(held, head)).toBeGreaterThan(0.9);
    });

    it(`${name}: the ONNX graph gives the reference forward pass's probabilities within 1e-5`, async () => {
      const data = synthetic(200, 40, 3);
      const head = fitHead(data, options);
      const bytes = exportHead(head);
      const got = await onnxProbabilities(bytes, data.x, 200, 40);
      let worst = 0;
      for (let r = 0; r < 200; r++) {
        const want = forward(head, data.x.subarray(r * 40, (r + 1) * 40));
        for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs((got[r * 3 + c] as number) - (want[c] as number)));
      }
      expect(worst).toBeLessThan(1e-5);
      // Any number of people per frame, including none.
      expect(await onnxProbabilities(bytes, new Float32Array(0), 0, 40)).toHaveLength(0);
    });
  }

  it('same rows and seed give the same file byte for byte; another seed gives another', () => {
    const data = synthetic(300, 20, 4);
    const a = exportHead(fitHead(data, MLP));
    const b = exportHead(fitHead(data, MLP));
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    const c = exportHead(fitHead(data, { ...MLP, seed: 8 }));
    expect(Buffer.compare(Buffer.from(a), Buffer.from(c))).not.toBe(0);
  });

  it('writes a graph the reference ONNX checker accepts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mimamori-head-'));
    const file = join(dir, 'head.onnx');
    await writeFile(file, exportHead(fitHead(synthetic(100, 12, 5), MLP)));
    const python = pythonWithOnnx();
    if (!python) {
      console.warn('python3-onnx is not installed: the independent ONNX check was skipped (.ci/run installs it)');
      return;
    }
    const result = checkWithOnnx(python, [file]);
    expect(result.output).toMatch(/^ok /);
    expect(result.status).toBe(0);
  });

  it('refuses a feature vector of the wrong length', () => {
    const head = fitHead(synthetic(100, 12, 6), LOGISTIC);
    expect(() => forward(head, new Float32Array(11))).toThrow(/expected 12 features but received 11/);
  });
});
