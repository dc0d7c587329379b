/**
 * The converted files honour models.json: tensor names, types and shapes as declared, and the
 * declared input range is the one the detector was trained for (checked on real images).
 */
import * as ort from 'onnxruntime-node';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, type Manifest } from '../src/manifest.js';
import { ensureModels, type PreparedModel } from '../src/prepare.js';
import { modelInput } from './helpers/parity.js';
import { OPENCV_DATA_DIR, opencvImagePaths } from './helpers/test-images.js';

let manifest: Manifest;
let prepared: Record<string, PreparedModel>;

beforeAll(async () => {
  manifest = await loadManifest();
  prepared = await ensureModels();
});

describe('tensor contract', () => {
  it('each model has the inputs and outputs models.json declares', async () => {
    for (const [name, entry] of Object.entries(manifest.models)) {
      const session = await ort.InferenceSession.create(prepared[name]?.path ?? '');
      try {
        expect(session.inputNames, name).toEqual([entry.input.name]);
        expect(session.outputNames, name).toEqual(entry.outputs.map((o) => o.name));
        const size = entry.input.shape.reduce((a, b) => a * b, 1);
        const data = entry.input.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
        const result = await session.run({ [entry.input.name]: new ort.Tensor(entry.input.dtype as 'float32' | 'int32', data, entry.input.shape) });
        for (const o of entry.outputs) {
          expect(result[o.name]?.dims, `${name}.${o.name}`).toEqual(o.shape);
          expect(result[o.name]?.type, `${name}.${o.name}`).toBe(o.dtype);
        }
      } finally {
        await session.release();
      }
    }
  });
});

describe('centernet input range', () => {
  /** Highest person (channel 0) score in the heatmap. */
  async function personScore(session: ort.InferenceSession, data: Float32Array): Promise<number> {
    const out = await session.run({ images: new ort.Tensor('float32', data, [1, 512, 512, 3]) });
    const heatmap = out.heatmap?.data as Float32Array;
    let max = 0;
    for (let i = 0; i < heatmap.length; i += 80) max = Math.max(max, heatmap[i] as number);
    return max;
  }

  it(`sees the players in ${OPENCV_DATA_DIR}/basketball1.png with the manifest range, and not with 0..1`, async () => {
    const entry = manifest.models.centernet;
    if (!entry) throw new Error('models.json has no centernet');
    const file = opencvImagePaths().find((f) => path.basename(f) === 'basketball1.png') as string;
    const session = await ort.InferenceSession.create(prepared.centernet?.path ?? '');
    try {
      const { data } = await modelInput(entry, file);
      const [lo, hi] = entry.input.range;
      const asUnit = Float32Array.from(data, (v) => (v - lo) / (hi - lo));
      const declared = await personScore(session, data as Float32Array);
      const unit = await personScore(session, asUnit);
      console.log(JSON.stringify({ centernetRange: entry.input.range, personScore: declared, personScoreIfFed0to1: unit }));
      expect(declared).toBeGreaterThan(0.5);
      expect(unit).toBeLessThan(0.1);
    } finally {
      await session.release();
    }
  });
});
