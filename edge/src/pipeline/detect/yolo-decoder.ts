/**
 * Decodes the Ultralytics YOLOv8 / YOLO11 detection head as exported to ONNX: [1, 4 + C, N] with,
 * for each of N anchors, cx, cy, w, h in input pixels followed by C class scores (already
 * sigmoid-ed, no objectness). Some exports transpose it to [1, N, 4 + C]; both are accepted.
 * Each anchor keeps its best class only, as Ultralytics' own single-label NMS does.
 */
import type { Detection } from '../types.js';
import { inputBoxToFrame, type InputGeometry } from './box-mapping.js';
import { nms } from './nms.js';

export interface YoloDecoderOptions {
  labels: readonly string[];
  /** Minimum score per class, indexed like labels. */
  minScores: Float32Array;
  nmsIou: number;
  maxDetections: number;
}

export class YoloDecoder {
  private readonly options: YoloDecoderOptions;

  constructor(options: YoloDecoderOptions) {
    if (options.minScores.length !== options.labels.length) {
      throw new Error(`Expected ${options.labels.length} minimum scores (one per label) but received ${options.minScores.length}`);
    }
    this.options = options;
  }

  decode(output: Float32Array, dims: readonly number[], geometry: InputGeometry): Detection[] {
    const nc = this.options.labels.length;
    const rows = 4 + nc;
    if (dims.length !== 3 || dims[0] !== 1) {
      throw new Error(`Expected a YOLO output of shape [1, ${rows}, N] but received [${dims.join(', ')}]`);
    }
    const d1 = dims[1] as number;
    const d2 = dims[2] as number;
    // Channel-major is the usual export; if both dims equal 4 + C the channel-major reading wins.
    let anchors: number;
    let anchorStride: number;
    let valueStride: number;
    if (d1 === rows) {
      anchors = d2;
      anchorStride = 1;
      valueStride = d2;
    } else if (d2 === rows) {
      anchors = d1;
      anchorStride = rows;
      valueStride = 1;
    } else {
      throw new Error(
        `Expected a YOLO output of shape [1, ${rows}, N] (4 box values + ${nc} labels) but received [${dims.join(', ')}]; does the label list match the model?`,
      );
    }
    if (output.length !== rows * anchors) {
      throw new Error(`Expected ${rows * anchors} values in the YOLO output but received ${output.length}`);
    }

    const minScores = this.options.minScores;
    const detections: Detection[] = [];
    for (let a = 0; a < anchors; a++) {
      const base = a * anchorStride;
      let best = -1;
      let bestScore = -Infinity;
      for (let c = 0; c < nc; c++) {
        const s = output[base + (4 + c) * valueStride] as number;
        if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      if (best < 0 || bestScore < (minScores[best] as number)) continue;
      const cx = output[base] as number;
      const cy = output[base + valueStride] as number;
      const w = output[base + 2 * valueStride] as number;
      const h = output[base + 3 * valueStride] as number;
      const box = inputBoxToFrame(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, geometry);
      if (box === null) continue;
      detections.push({ label: this.options.labels[best] as string, classId: best, box, score: bestScore });
    }
    return nms(detections, this.options.nmsIou, this.options.maxDetections);
  }
}
