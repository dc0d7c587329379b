/**
 * A detector and pose model with planted outputs, written to `dir`, as the analyzer pool loads
 * them: real onnxruntime workers that start in a moment and give known answers on any frame.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnalyzerModels } from '../src/pipeline/analyze/frame-analyzer.js';
import { KEYPOINT_NAMES } from '../src/pipeline/types.js';
import { plantedMovenet, plantedOutputsModel } from './planted-models.js';

const LABELS = ['person', 'cell phone'];
const G = 16; // 64 px input, stride 4

export async function writePlantedAnalyzerModels(dir: string): Promise<AnalyzerModels> {
  const heatmap = new Float32Array(G * G * 2);
  const wh = new Float32Array(G * G * 4);
  const plant = (row: number, col: number, c: number, score: number, ltrb: number[]): void => {
    heatmap[(row * G + col) * 2 + c] = score;
    wh.set(ltrb, (row * G + col) * 4);
  };
  plant(8, 8, 0, 0.9, [8, 24, 8, 24]); // big person: input [24, 8, 40, 56]
  plant(8, 2, 0, 0.6, [4, 8, 4, 8]); // small person: input [4, 24, 12, 40]
  plant(2, 8, 1, 0.3, [2, 2, 2, 2]); // phone
  const detectorPath = join(dir, 'detector.onnx');
  await writeFile(
    detectorPath,
    plantedOutputsModel({ name: 'images', dtype: 'float32', shape: [1, 64, 64, 3] }, [
      { name: 'heatmap', shape: [1, G, G, 2], values: heatmap },
      { name: 'wh', shape: [1, G, G, 4], values: wh },
    ]),
  );
  // Every keypoint at the crop centre except the nose at the top-left quarter point.
  const kp = new Float32Array(KEYPOINT_NAMES.length * 3);
  for (let i = 0; i < KEYPOINT_NAMES.length; i++) kp.set([0.5, 0.5, 0.8], i * 3);
  kp.set([0.25, 0.25, 0.9], 0);
  const posePath = join(dir, 'pose.onnx');
  await writeFile(posePath, plantedMovenet(kp));
  return {
    detector: {
      path: detectorPath,
      decoder: 'centernet',
      labels: LABELS,
      input: { name: 'images', width: 64, height: 64, layout: 'NHWC', range: [0, 255], resize: 'stretch' },
    },
    pose: { path: posePath },
  };
}
