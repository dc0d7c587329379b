/**
 * Parity of the converted ONNX models with the original TFJS graphs (tfjs wasm backend) on real
 * images. Bounds sit a few times above what was measured (see models/README.md).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, manifestModel } from '../src/manifest.js';
import { ensureModels } from '../src/prepare.js';
import { createParityRunner, type ParityRunner } from './helpers/parity.js';
import { opencvImagePaths, SHARED_EVAL_DIR, sharedEvalImagePaths } from './helpers/test-images.js';

const BOUNDS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  // features: activations of a few units (centernet's head) and up to 6 (MoveNet's Relu6 backbone).
  centernet: { heatmap: 1e-4, wh: 2e-2, features: 5e-4 },
  'movenet-lightning': { keypoints: 1e-4, features: 1e-3 },
};

const sharedImages = sharedEvalImagePaths(2);
if (sharedImages.length === 0) {
  console.warn(`parity on the shared eval set is SKIPPED: ${SHARED_EVAL_DIR} is absent (the opencv-doc images still run)`);
}

for (const modelName of Object.keys(BOUNDS)) {
  describe(`${modelName}: ONNX vs TFJS`, () => {
    let runner: ParityRunner;

    beforeAll(async () => {
      const manifest = await loadManifest();
      const prepared = await ensureModels();
      const model = prepared[modelName];
      if (!model) throw new Error(`ensureModels() did not return ${modelName}`);
      runner = await createParityRunner(modelName, manifestModel(manifest, modelName), model.path);
    });

    afterAll(async () => {
      await runner?.release();
    });

    async function check(files: readonly string[]): Promise<void> {
      const worst: Record<string, number> = {};
      for (const file of files) {
        const diffs = await runner.compare(file);
        console.log(JSON.stringify({ parity: modelName, image: path.basename(file), maxAbsDiff: diffs }));
        for (const [output, d] of Object.entries(diffs)) worst[output] = Math.max(worst[output] ?? 0, Number.isNaN(d) ? Infinity : d);
      }
      for (const [output, bound] of Object.entries(BOUNDS[modelName] ?? {})) {
        expect(worst[output], `${modelName}.${output} max |ONNX − TFJS| over ${files.length} images`).toBeLessThanOrEqual(bound);
      }
    }

    it('matches on the opencv-doc sample images', async () => {
      await check(opencvImagePaths());
    });

    describe.skipIf(sharedImages.length === 0)('shared eval set', () => {
      it(`matches on ${sharedImages.length} images from shared/eval`, async () => {
        await check(sharedImages);
      });
    });
  });
}
