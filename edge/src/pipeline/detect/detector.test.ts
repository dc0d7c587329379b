/**
 * Detector plug-ins on tiny ONNX models run by the real onnxruntime: each model ignores its image
 * (times zero) and emits planted outputs, so the test knows exactly which boxes must come out.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plantedOutputsModel, type PlantedOutput } from '../../../test/planted-models.js';
import type { Box, Detection, RgbFrame, StageTimings } from '../types.js';
import { customDetectorModel, DEFAULT_DETECTOR_THRESHOLDS, openDetector, yoloInput, type DetectorModelOptions } from './detector.js';

const LABELS = ['person', 'bicycle', 'cell phone'];
const C = LABELS.length;

const constantOutputsModel = (input: { name: string; shape: number[] }, outputs: PlantedOutput[]): Uint8Array =>
  plantedOutputsModel({ ...input, dtype: 'float32' }, outputs);

/** YOLO head [1, 4 + C, N]: one column per anchor, cx cy w h then the class scores. */
function yoloColumns(anchors: [number, number, number, number, ...number[]][]): Float32Array {
  const n = anchors.length;
  const out = new Float32Array((4 + C) * n);
  anchors.forEach((a, i) => a.forEach((v, row) => (out[row * n + i] = v)));
  return out;
}

function grayFrame(width: number, height: number): RgbFrame {
  return { data: new Uint8Array(width * height * 3).fill(128), width, height };
}

const zeroTimings = (): StageTimings => ({ preprocessMs: 0, detectMs: 0, poseMs: 0, decodeMs: 0, phoneMs: 0 });
const summary = (ds: Detection[]): [string, Box, string][] =>
  ds.map((d) => [d.label, d.box.map((v) => Math.round(v * 100) / 100) as Box, d.score.toFixed(2)]);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mimamori-detector-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function modelFile(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

describe('yolo detector on a real onnxruntime session', () => {
  it('decodes planted boxes, undoes the letterbox and suppresses duplicates', async () => {
    const N = 6;
    const output0 = yoloColumns([
      [20, 32, 10, 20, 0.9, 0.1, 0],
      [21, 32, 10, 20, 0.8, 0, 0], // duplicate person → suppressed
      [20, 26, 4, 4, 0.05, 0, 0.15], // weak phone, still a candidate
      [45, 40, 12, 8, 0, 0.25, 0], // bicycle below the object threshold
      [45, 40, 12, 8, 0, 0.6, 0],
      [50, 10, 6, 6, 0.35, 0, 0], // weak person → dropped
    ]);
    const path = await modelFile(
      'yolo.onnx',
      constantOutputsModel({ name: 'images', shape: [1, 3, 64, 64] }, [{ name: 'output0', shape: [1, 4 + C, N], values: output0 }]),
    );
    const detector = await openDetector(customDetectorModel(path, 'yolo', LABELS, 64), DEFAULT_DETECTOR_THRESHOLDS, 1);
    try {
      // 128x64 frame letterboxed into 64x64: scale 0.5 with 16-pixel bands above and below,
      // so frame = (u * 2, v * 2 - 32).
      const timings = zeroTimings();
      const { detections: found } = await detector.detect(grayFrame(128, 64), timings);
      expect(summary(found)).toEqual([
        ['person', [30, 12, 50, 52], '0.90'],
        ['bicycle', [78, 40, 102, 56], '0.60'],
        ['cell phone', [36, 16, 44, 24], '0.15'],
      ]);
      expect(timings.detectMs).toBeGreaterThan(0);
      expect(timings.preprocessMs).toBeGreaterThan(0);
    } finally {
      await detector.close();
    }
  });

  it('names the model file and tensor when the model does not match', async () => {
    const path = await modelFile(
      'wrong-input.onnx',
      constantOutputsModel({ name: 'pixels', shape: [1, 3, 64, 64] }, [{ name: 'output0', shape: [1, 4 + C, 1], values: new Float32Array(4 + C) }]),
    );
    await expect(openDetector({ path, decoder: 'yolo', labels: LABELS, input: yoloInput(64) }, DEFAULT_DETECTOR_THRESHOLDS, 1)).rejects.toThrow(
      `Model ${path}: expected input 'images' but the model's inputs are: pixels`,
    );
    await expect(openDetector({ path, decoder: 'yolo', labels: LABELS, input: { ...yoloInput(32), name: 'pixels' } }, DEFAULT_DETECTOR_THRESHOLDS, 1)).rejects.toThrow(
      `Model ${path}: expected input 'pixels' of shape [1, 3, 32, 32] but received [1, 3, 64, 64]`,
    );
  });
});

// The same scene through both plug-ins: a person with a weak phone at the head, and a duplicate.
const SCENE: [string, Box, string][] = [
  ['person', [32, 16, 64, 96], '0.90'],
  ['cell phone', [40, 16, 48, 24], '0.20'],
];

async function sceneModel(decoder: 'centernet' | 'yolo'): Promise<DetectorModelOptions> {
  if (decoder === 'yolo') {
    const cols = yoloColumns([
      [24, 28, 16, 40, 0.9, 0, 0],
      [25, 28, 16, 40, 0.7, 0, 0],
      [22, 10, 4, 4, 0, 0, 0.2],
    ]);
    const path = await modelFile('scene-yolo.onnx', constantOutputsModel({ name: 'images', shape: [1, 3, 64, 64] }, [
      { name: 'output0', shape: [1, 4 + C, 3], values: cols },
    ]));
    return { path, decoder, labels: LABELS, input: yoloInput(64) };
  }
  const G = 16;
  const heatmap = new Float32Array(G * G * C);
  const wh = new Float32Array(G * G * 4);
  const plant = (row: number, col: number, c: number, score: number, ltrb: number[]): void => {
    heatmap[(row * G + col) * C + c] = score;
    wh.set(ltrb, (row * G + col) * 4);
  };
  plant(7, 6, 0, 0.9, [8, 20, 8, 20]); // centre (24, 28) in input pixels
  plant(7, 8, 0, 0.7, [16, 20, 0, 20]); // twin peak two cells away describing the same box
  plant(2, 5, 2, 0.2, [0, 0, 4, 4]); // centre (20, 8): box [20, 8, 24, 12]
  const path = await modelFile('scene-centernet.onnx', constantOutputsModel({ name: 'images', shape: [1, 64, 64, 3] }, [
    { name: 'heatmap', shape: [1, G, G, C], values: heatmap },
    { name: 'wh', shape: [1, G, G, 4], values: wh },
  ]));
  return {
    path,
    decoder,
    labels: LABELS,
    input: { name: 'images', width: 64, height: 64, layout: 'NHWC', range: [0, 255], resize: 'stretch' },
  };
}

describe.each(['centernet', 'yolo'] as const)('%s detector contract', (decoder) => {
  it('finds the planted person and weak phone in frame pixels, without the duplicate', async () => {
    const detector = await openDetector(await sceneModel(decoder), DEFAULT_DETECTOR_THRESHOLDS, 1);
    try {
      const { detections: found } = await detector.detect(grayFrame(128, 128), zeroTimings());
      expect(summary(found)).toEqual(SCENE);
    } finally {
      await detector.close();
    }
  });
});
