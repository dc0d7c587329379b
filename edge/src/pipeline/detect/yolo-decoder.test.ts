import { describe, expect, it } from 'vitest';
import type { InputGeometry } from './box-mapping.js';
import { minScoresForLabels } from './label-thresholds.js';
import { YoloDecoder } from './yolo-decoder.js';

const LABELS = ['person', 'cell phone'];
const decoder = new YoloDecoder({
  labels: LABELS,
  minScores: minScoresForLabels(LABELS, { person: 0.4, phoneCandidate: 0.1, object: 0.3 }),
  nmsIou: 0.5,
  maxDetections: 10,
});
const identity: InputGeometry = { inputWidth: 64, inputHeight: 64, region: { x: 0, y: 0, width: 64, height: 64 }, frameWidth: 64, frameHeight: 64 };

// Anchors as rows of [cx, cy, w, h, person, phone].
const ANCHORS = [
  [32, 32, 20, 40, 0.8, 0.05],
  [33, 32, 20, 40, 0.6, 0.0],
  [10, 10, 4, 6, 0.02, 0.12],
  [50, 50, 4, 4, 0.3, 0.05],
];

function channelMajor(rows: number[][]): Float32Array {
  const n = rows.length;
  const out = new Float32Array(6 * n);
  rows.forEach((r, i) => r.forEach((v, k) => (out[k * n + i] = v)));
  return out;
}

describe('YoloDecoder', () => {
  it('decodes [1, 4 + C, N], keeps each anchor best class and suppresses duplicates', () => {
    const out = decoder.decode(channelMajor(ANCHORS), [1, 6, 4], identity);
    expect(out.map((d) => [d.label, d.box, d.score.toFixed(2)])).toEqual([
      ['person', [22, 12, 42, 52], '0.80'],
      ['cell phone', [8, 7, 12, 13], '0.12'],
    ]);
  });

  it('reads the transposed [1, N, 4 + C] export the same way', () => {
    const out = decoder.decode(Float32Array.from(ANCHORS.flat()), [1, 4, 6], identity);
    expect(out.map((d) => d.label)).toEqual(['person', 'cell phone']);
  });

  it('undoes the letterbox and clips to the frame', () => {
    // 128x64 frame in a 64x64 input: frame = (2u, 2v - 32).
    const geometry: InputGeometry = { ...identity, region: { x: 0, y: -32, width: 128, height: 128 }, frameWidth: 128, frameHeight: 64 };
    const out = decoder.decode(channelMajor([[32, 18, 20, 8, 0.9, 0]]), [1, 6, 1], geometry);
    // Input box [22, 14, 42, 22] → frame [44, -4, 84, 12], clipped at the top.
    expect(out[0]?.box).toEqual([44, 0, 84, 12]);
  });

  it('explains a label list that does not fit the output', () => {
    expect(() => decoder.decode(new Float32Array(84 * 2), [1, 84, 2], identity)).toThrow(/\[1, 6, N\].*label list/);
  });
});
