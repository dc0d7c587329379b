/**
 * Decodes CenterNet heads (human's mobilenetv3 centernet, converted to ONNX) into detections.
 *
 * `heatmap` [1, H, W, C] holds per-class centre probabilities (after sigmoid) on a grid of stride
 * `inputWidth / W`; `wh` [1, H, W, 4] holds the distances in input pixels from the cell's centre
 * point (column × stride, row × stride) to the box's left, top, right and bottom edges. This is how
 * the TFJS graph's own decode (nodes after `tower_0/wh`) builds its boxes.
 */
import type { Detection } from '../types.js';
import { inputBoxToFrame, type InputGeometry } from './box-mapping.js';
import { nms } from './nms.js';

export interface CenterNetDecoderOptions {
  labels: readonly string[];
  /** Minimum score per class, indexed like labels. */
  minScores: Float32Array;
  /** Peaks kept (best first) before NMS. */
  topK: number;
  nmsIou: number;
  maxDetections: number;
}

export interface CenterNetGrid {
  /** Heatmap rows and columns; the stride follows from the input size. */
  height: number;
  width: number;
}

export class CenterNetDecoder {
  private readonly options: CenterNetDecoderOptions;
  private readonly numClasses: number;
  // Candidate buffers survive between frames and only grow.
  private candidateIndex = new Int32Array(256);
  private candidateScore = new Float32Array(256);
  private order = new Uint32Array(256);

  constructor(options: CenterNetDecoderOptions) {
    if (options.minScores.length !== options.labels.length) {
      throw new Error(`Expected ${options.labels.length} minimum scores (one per label) but received ${options.minScores.length}`);
    }
    this.options = options;
    this.numClasses = options.labels.length;
  }

  decode(heatmap: Float32Array, wh: Float32Array, grid: CenterNetGrid, geometry: InputGeometry): Detection[] {
    const { height: gh, width: gw } = grid;
    const nc = this.numClasses;
    if (heatmap.length !== gh * gw * nc) {
      throw new Error(`Expected a ${gh}x${gw}x${nc} heatmap (${gh * gw * nc} values) but received ${heatmap.length}`);
    }
    if (wh.length !== gh * gw * 4) {
      throw new Error(`Expected a ${gh}x${gw}x4 wh tensor (${gh * gw * 4} values) but received ${wh.length}`);
    }
    const count = this.collectPeaks(heatmap, gh, gw);
    const kept = this.topK(count);

    const strideX = geometry.inputWidth / gw;
    const strideY = geometry.inputHeight / gh;
    const detections: Detection[] = [];
    for (let k = 0; k < kept; k++) {
      const slot = this.order[k] as number;
      const flat = this.candidateIndex[slot] as number;
      const cell = Math.floor(flat / nc);
      const classId = flat - cell * nc;
      const row = Math.floor(cell / gw);
      const col = cell - row * gw;
      const cx = col * strideX;
      const cy = row * strideY;
      const o = cell * 4;
      const box = inputBoxToFrame(
        cx - (wh[o] as number),
        cy - (wh[o + 1] as number),
        cx + (wh[o + 2] as number),
        cy + (wh[o + 3] as number),
        geometry,
      );
      if (box === null) continue;
      detections.push({ label: this.options.labels[classId] as string, classId, box, score: this.candidateScore[slot] as number });
    }
    return nms(detections, this.options.nmsIou, this.options.maxDetections);
  }

  /** 3×3 local maxima at or above their class's minimum score; returns how many were found. */
  private collectPeaks(heatmap: Float32Array, gh: number, gw: number): number {
    const nc = this.numClasses;
    const minScores = this.options.minScores;
    // Nearly every value is below every threshold: one flat pass with a single compare rejects
    // them, and only the survivors pay for working out their cell and class.
    let lowest = Infinity;
    for (const m of minScores) lowest = Math.min(lowest, m);
    let count = 0;
    const n = heatmap.length;
    for (let i = 0; i < n; i++) {
      const v = heatmap[i] as number;
      if (v < lowest) continue;
      const cell = (i / nc) | 0;
      const c = i - cell * nc;
      if (v < (minScores[c] as number)) continue;
      const row = (cell / gw) | 0;
      const col = cell - row * gw;
      const r0 = row > 0 ? row - 1 : 0;
      const r1 = row < gh - 1 ? row + 1 : gh - 1;
      const c0 = col > 0 ? col - 1 : 0;
      const c1 = col < gw - 1 ? col + 1 : gw - 1;
      // Ties count as peaks, like max-pool equality in the reference decode; NMS removes twins.
      if (!isLocalMax(heatmap, v, r0, r1, c0, c1, gw, nc, c)) continue;
      if (count === this.candidateIndex.length) this.grow();
      this.candidateIndex[count] = i;
      this.candidateScore[count] = v;
      count++;
    }
    return count;
  }

  /** Orders the first `count` candidates by score and returns how many to keep. */
  private topK(count: number): number {
    const order = this.order;
    for (let i = 0; i < count; i++) order[i] = i;
    const scores = this.candidateScore;
    order.subarray(0, count).sort((a, b) => (scores[b] as number) - (scores[a] as number));
    return Math.min(count, this.options.topK);
  }

  private grow(): void {
    const size = this.candidateIndex.length * 2;
    const index = new Int32Array(size);
    index.set(this.candidateIndex);
    const score = new Float32Array(size);
    score.set(this.candidateScore);
    this.candidateIndex = index;
    this.candidateScore = score;
    this.order = new Uint32Array(size);
  }
}

function isLocalMax(
  heatmap: Float32Array,
  v: number,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  gw: number,
  nc: number,
  c: number,
): boolean {
  for (let r = r0; r <= r1; r++) {
    for (let q = c0; q <= c1; q++) {
      if ((heatmap[(r * gw + q) * nc + c] as number) > v) return false;
    }
  }
  return true;
}
