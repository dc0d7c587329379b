import { describe, expect, it } from 'vitest';
import { CenterNetDecoder } from './centernet-decoder.js';
import { minScoresForLabels } from './label-thresholds.js';
import type { InputGeometry } from './box-mapping.js';

const LABELS = ['person', 'car', 'cell phone'];
const GH = 16;
const GW = 16;
const NC = LABELS.length;
const INPUT = 64; // stride 4

function heads(): { heatmap: Float32Array; wh: Float32Array } {
  return { heatmap: new Float32Array(GH * GW * NC), wh: new Float32Array(GH * GW * 4) };
}

function plant(h: ReturnType<typeof heads>, row: number, col: number, c: number, score: number, ltrb: [number, number, number, number]): void {
  h.heatmap[(row * GW + col) * NC + c] = score;
  h.wh.set(ltrb, (row * GW + col) * 4);
}

const identity: InputGeometry = {
  inputWidth: INPUT,
  inputHeight: INPUT,
  region: { x: 0, y: 0, width: INPUT, height: INPUT },
  frameWidth: INPUT,
  frameHeight: INPUT,
};

function decoder(topK = 100): CenterNetDecoder {
  return new CenterNetDecoder({
    labels: LABELS,
    minScores: minScoresForLabels(LABELS, { person: 0.4, phoneCandidate: 0.1, object: 0.3 }),
    topK,
    nmsIou: 0.5,
    maxDetections: 50,
  });
}

describe('CenterNetDecoder', () => {
  it('decodes a peak into a box of centre ∓ wh in input pixels', () => {
    const h = heads();
    plant(h, 8, 5, 0, 0.9, [4, 6, 8, 10]);
    const [d, ...rest] = decoder().decode(h.heatmap, h.wh, { height: GH, width: GW }, identity);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ label: 'person', classId: 0, box: [16, 26, 28, 42] });
    expect(d?.score).toBeCloseTo(0.9, 6);
  });

  it('keeps weak phone candidates but drops equally weak people and objects', () => {
    const h = heads();
    plant(h, 2, 2, 2, 0.15, [2, 2, 2, 2]);
    plant(h, 10, 10, 0, 0.35, [4, 4, 4, 4]);
    plant(h, 12, 3, 1, 0.25, [4, 4, 4, 4]);
    const out = decoder().decode(h.heatmap, h.wh, { height: GH, width: GW }, identity);
    expect(out.map((d) => d.label)).toEqual(['cell phone']);
  });

  it('takes only 3×3 local maxima, per class', () => {
    const h = heads();
    plant(h, 5, 5, 0, 0.9, [8, 8, 8, 8]);
    plant(h, 5, 6, 0, 0.8, [8, 8, 8, 8]); // shoulder of the same peak
    plant(h, 5, 6, 2, 0.5, [2, 2, 2, 2]); // a phone in the neighbouring cell is its own class
    const out = decoder().decode(h.heatmap, h.wh, { height: GH, width: GW }, identity);
    expect(out.map((d) => [d.label, d.score.toFixed(2)])).toEqual([
      ['person', '0.90'],
      ['cell phone', '0.50'],
    ]);
  });

  it('suppresses overlapping peaks of one class with NMS and keeps the top K', () => {
    const h = heads();
    plant(h, 4, 4, 0, 0.9, [12, 12, 12, 12]);
    plant(h, 4, 7, 0, 0.8, [12, 12, 12, 12]); // 12 px apart with 24 px boxes: iou 1/3 → kept
    plant(h, 12, 12, 0, 0.7, [4, 4, 4, 4]);
    plant(h, 14, 10, 0, 0.6, [4, 4, 4, 4]);
    plant(h, 12, 14, 0, 0.65, [5, 5, 5, 5]);
    const all = decoder().decode(h.heatmap, h.wh, { height: GH, width: GW }, identity);
    expect(all.map((d) => d.score.toFixed(2))).toEqual(['0.90', '0.80', '0.70', '0.65', '0.60']);
    const top2 = decoder(2).decode(h.heatmap, h.wh, { height: GH, width: GW }, identity);
    expect(top2.map((d) => d.score.toFixed(2))).toEqual(['0.90', '0.80']);


    const dup = heads();
    plant(dup, 4, 4, 0, 0.9, [20, 20, 20, 20]);
    plant(dup, 4, 6, 0, 0.8, [20, 20, 20, 20]); // 8 px apart with 40 px boxes: iou 2/3 → suppressed
    plant(dup, 4, 6, 2, 0.3, [20, 20, 20, 20]); // same box, other class → kept
    const out = decoder().decode(dup.heatmap, dup.wh, { height: GH, width: GW }, identity);
    expect(out.map((d) => [d.label, d.score.toFixed(2)])).toEqual([
      ['person', '0.90'],
      ['cell phone', '0.30'],
    ]);
  });

  it('maps boxes into the frame region and clips them to the frame', () => {
    const h = heads();
    plant(h, 8, 8, 0, 0.9, [8, 8, 8, 8]); // centre (32, 32) in input
    plant(h, 0, 0, 2, 0.5, [10, 10, 4, 4]); // runs off the top-left corner
    const geometry: InputGeometry = {
      inputWidth: INPUT,
      inputHeight: INPUT,
      region: { x: 0, y: 0, width: 640, height: 320 }, // stretch: ×10 horizontally, ×5 vertically
      frameWidth: 640,
      frameHeight: 320,
    };
    const out = decoder().decode(h.heatmap, h.wh, { height: GH, width: GW }, geometry);
    expect(out[0]?.box).toEqual([240, 120, 400, 200]);
    expect(out[1]?.box).toEqual([0, 0, 40, 20]);
  });

  it('reuses its buffers across frames and grows past its first capacity', () => {
    const h = heads();
    // Equal scores everywhere make every cell a (tied) peak: 2 classes × 256 cells = 512 candidates.
    for (let r = 0; r < GH; r++) for (let c = 0; c < GW; c++) {
      plant(h, r, c, 0, 0.5, [1, 1, 1, 1]);
      plant(h, r, c, 2, 0.2, [1, 1, 1, 1]);
    }
    const many = new CenterNetDecoder({
      labels: LABELS,
      minScores: new Float32Array([0.4, 0.3, 0.1]),
      topK: 1000,
      nmsIou: 0.5,
      maxDetections: 1000,
    });
    const first = many.decode(h.heatmap, h.wh, { height: GH, width: GW }, identity);
    expect(first).toHaveLength(512);
    const second = many.decode(h.heatmap, h.wh, { height: GH, width: GW }, identity);
    expect(second).toEqual(first);
  });

  it('rejects tensors of the wrong size', () => {
    expect(() => decoder().decode(new Float32Array(10), new Float32Array(GH * GW * 4), { height: GH, width: GW }, identity)).toThrow(
      /heatmap/,
    );
  });
});
