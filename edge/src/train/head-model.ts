/**
 * The phone head's model: standardised features → (one hidden ReLU layer) → softmax over
 * call / hand / none. `hidden: 0` is multinomial logistic regression.
 *
 * Fitting is plain mini-batch Adam with L2 on the weights and class-balanced sample weights, in
 * float64, with every random choice (initial weights, batch order) drawn from a seeded generator:
 * the same rows in the same order and the same seed give the same parameters, bit for bit.
 *
 * `bake()` rounds everything to float32: that is what the ONNX graph holds (export-head.ts), and
 * `forward()` on it is the reference the graph is tested against. The standardisation stays a
 * separate step (x − mean) × 1/std rather than folded into the first layer: folded, features with
 * large means would cancel against a large bias in float32 arithmetic.
 */
import { seededRandom } from './augment.js';

export const CLASS_COUNT = 3;

export interface FitOptions {
  hidden: number;
  l2: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export interface Dataset {
  /** rows × dims, row-major. */
  x: Float32Array;
  dims: number;
  /** Class index per row (0 call, 1 hand, 2 none). */
  y: Uint8Array;
}

/** Layers as the graph computes them: out = in · W + b, W stored in × out row-major. */
export interface BakedLayer {
  inputs: number;
  outputs: number;
  weights: Float32Array;
  bias: Float32Array;
  relu: boolean;
}

export interface BakedHead {
  dims: number;
  /** Standardisation: x' = (x − shift) × scale. */
  shift: Float32Array;
  scale: Float32Array;
  layers: BakedLayer[];
}

interface Params {
  mean: Float64Array;
  std: Float64Array;
  /** [dims × h] and [h] where h = hidden or CLASS_COUNT. */
  w1: Float64Array;
  b1: Float64Array;
  /** [hidden × CLASS_COUNT] and [CLASS_COUNT]; empty without a hidden layer. */
  w2: Float64Array;
  b2: Float64Array;
  hidden: number;
  dims: number;
}

function gaussian(random: () => number): () => number {
  return () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

/** Balanced class weights: each class carries the same total weight, whatever its count. */
export function balancedWeights(y: Uint8Array): Float64Array {
  const counts = new Float64Array(CLASS_COUNT);
  for (const c of y) counts[c] = (counts[c] as number) + 1;
  const present = counts.filter((c) => c > 0).length;
  const perClass = counts.map((c) => (c > 0 ? y.length / (present * c) : 0));
  return Float64Array.from(y, (c) => perClass[c] as number);
}

function standardiser(data: Dataset): { mean: Float64Array; std: Float64Array } {
  const { x, dims } = data;
  const rows = x.length / dims;
  const mean = new Float64Array(dims);
  const sq = new Float64Array(dims);
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < dims; d++) {
      const v = x[r * dims + d] as number;
      mean[d] = (mean[d] as number) + v;
      sq[d] = (sq[d] as number) + v * v;
    }
  }
  const std = new Float64Array(dims);
  for (let d = 0; d < dims; d++) {
    const m = (mean[d] as number) / rows;
    mean[d] = m;
    // A constant feature keeps std 1, so it contributes nothing rather than dividing by zero.
    const variance = (sq[d] as number) / rows - m * m;
    std[d] = variance > 1e-12 ? Math.sqrt(variance) : 1;
  }
  return { mean, std };
}

export function fitHead(data: Dataset, o: FitOptions): BakedHead {
  const { dims } = data;
  const rows = data.y.length;
  if (rows === 0) throw new Error('fitHead: no training rows');
  const random = seededRandom('fit', o.seed);
  const normal = gaussian(random);
  const { mean, std } = standardiser(data);
  const xs = new Float64Array(rows * dims);
  for (let r = 0; r < rows; r++) for (let d = 0; d < dims; d++) xs[r * dims + d] = ((data.x[r * dims + d] as number) - (mean[d] as number)) / (std[d] as number);
  const weights = balancedWeights(data.y);

  const h1 = o.hidden > 0 ? o.hidden : CLASS_COUNT;
  const p: Params = {
    mean, std, hidden: o.hidden, dims,
    w1: Float64Array.from({ length: dims * h1 }, () => normal() * Math.sqrt(2 / dims) * (o.hidden > 0 ? 1 : 0.1)),
    b1: new Float64Array(h1),
    w2: Float64Array.from({ length: o.hidden * CLASS_COUNT }, () => normal() * Math.sqrt(2 / Math.max(1, o.hidden))),
    b2: new Float64Array(o.hidden > 0 ? CLASS_COUNT : 0),
  };
  const tensors = [p.w1, p.b1, p.w2, p.b2];
  const grads = tensors.map((t) => new Float64Array(t.length));
  const m1 = tensors.map((t) => new Float64Array(t.length));
  const m2 = tensors.map((t) => new Float64Array(t.length));
  const decays = [true, false, true, false];
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];

  const order = Uint32Array.from({ length: rows }, (_, i) => i);
  const hiddenOut = new Float64Array(h1);
  const logits = new Float64Array(CLASS_COUNT);
  const dLogits = new Float64Array(CLASS_COUNT);
  const dHidden = new Float64Array(h1);
  let step = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    for (let start = 0; start < rows; start += o.batchSize) {
      const end = Math.min(rows, start + o.batchSize);
      for (const g of grads) g.fill(0);
      let batchWeight = 0;
      for (let k = start; k < end; k++) {
        const r = order[k] as number;
        const w = weights[r] as number;
        batchWeight += w;
        const off = r * dims;
        // Forward.
        hiddenOut.set(p.b1);
        for (let d = 0; d < dims; d++) {
          const v = xs[off + d] as number;
          if (v === 0) continue;
          const row = d * h1;
          for (let j = 0; j < h1; j++) hiddenOut[j] = (hiddenOut[j] as number) + v * (p.w1[row + j] as number);
        }
        if (o.hidden > 0) {
          for (let j = 0; j < h1; j++) if ((hiddenOut[j] as number) < 0) hiddenOut[j] = 0;
          logits.set(p.b2);
          for (let j = 0; j < o.hidden; j++) {
            const v = hiddenOut[j] as number;
            if (v === 0) continue;
            for (let c = 0; c < CLASS_COUNT; c++) logits[c] = (logits[c] as number) + v * (p.w2[j * CLASS_COUNT + c] as number);
          }
        } else {
          logits.set(hiddenOut);
        }
        softmaxInPlace(logits);
        const label = data.y[r] as number;
        for (let c = 0; c < CLASS_COUNT; c++) dLogits[c] = w * ((logits[c] as number) - (c === label ? 1 : 0));
        // Backward.
        let dFirst: Float64Array = dLogits;
        if (o.hidden > 0) {
          const [gw2, gb2] = [grads[2] as Float64Array, grads[3] as Float64Array];
          dHidden.fill(0);
          for (let j = 0; j < o.hidden; j++) {
            const v = hiddenOut[j] as number;
            for (let c = 0; c < CLASS_COUNT; c++) {
              const g = dLogits[c] as number;
              gw2[j * CLASS_COUNT + c] = (gw2[j * CLASS_COUNT + c] as number) + v * g;
              if (v > 0) dHidden[j] = (dHidden[j] as number) + g * (p.w2[j * CLASS_COUNT + c] as number);
            }
          }
          for (let c = 0; c < CLASS_COUNT; c++) gb2[c] = (gb2[c] as number) + (dLogits[c] as number);
          dFirst = dHidden;
        }
        const [gw1, gb1] = [grads[0] as Float64Array, grads[1] as Float64Array];
        for (let j = 0; j < h1; j++) gb1[j] = (gb1[j] as number) + (dFirst[j] as number);
        for (let d = 0; d < dims; d++) {
          const v = xs[off + d] as number;
          if (v === 0) continue;
          const row = d * h1;
          for (let j = 0; j < h1; j++) gw1[row + j] = (gw1[row + j] as number) + v * (dFirst[j] as number);
        }
      }
      // Adam step on the weighted mean gradient plus L2 on the weights.
      step++;
      const lr = (o.learningRate * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
      tensors.forEach((t, ti) => {
        const g = grads[ti] as Float64Array;
        const a = m1[ti] as Float64Array;
        const b = m2[ti] as Float64Array;
        const decay = decays[ti] ? o.l2 : 0;
        for (let i = 0; i < t.length; i++) {
          const gi = (g[i] as number) / batchWeight + decay * (t[i] as number);
          a[i] = beta1 * (a[i] as number) + (1 - beta1) * gi;
          b[i] = beta2 * (b[i] as number) + (1 - beta2) * gi * gi;
          t[i] = (t[i] as number) - (lr * (a[i] as number)) / (Math.sqrt(b[i] as number) + eps);
        }
      });
    }
  }
  return bake(p);
}

/** Parameters as float32, the precision the graph computes in. */
function bake(p: Params): BakedHead {
  const h1 = p.hidden > 0 ? p.hidden : CLASS_COUNT;
  const layers: BakedLayer[] = [{ inputs: p.dims, outputs: h1, weights: Float32Array.from(p.w1), bias: Float32Array.from(p.b1), relu: p.hidden > 0 }];
  if (p.hidden > 0) layers.push({ inputs: p.hidden, outputs: CLASS_COUNT, weights: Float32Array.from(p.w2), bias: Float32Array.from(p.b2), relu: false });
  return { dims: p.dims, shift: Float32Array.from(p.mean), scale: Float32Array.from(p.std, (s) => 1 / s), layers };
}

function softmaxInPlace(v: Float64Array): void {
  let max = -Infinity;
  for (const x of v) if (x > max) max = x;
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const e = Math.exp((v[i] as number) - max);
    v[i] = e;
    sum += e;
  }
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / sum;
}

/** The reference forward pass on baked parameters: probabilities for one feature vector. */
export function forward(head: BakedHead, x: ArrayLike<number>): Float64Array {
  if (x.length !== head.dims) throw new Error(`phone head: expected ${head.dims} features but received ${x.length}`);
  // In float32 like the graph: Sub then Mul, each rounded.
  let input: ArrayLike<number> = Float64Array.from({ length: head.dims }, (_, d) =>
    Math.fround(Math.fround((x[d] as number) - (head.shift[d] as number)) * (head.scale[d] as number)));
  for (const layer of head.layers) {
    const out = new Float64Array(layer.outputs);
    for (let j = 0; j < layer.outputs; j++) out[j] = layer.bias[j] as number;
    for (let i = 0; i < layer.inputs; i++) {
      const v = input[i] as number;
      if (v === 0) continue;
      const row = i * layer.outputs;
      for (let j = 0; j < layer.outputs; j++) out[j] = (out[j] as number) + v * (layer.weights[row + j] as number);
    }
    if (layer.relu) for (let j = 0; j < out.length; j++) if ((out[j] as number) < 0) out[j] = 0;
    input = out;
  }
  const probs = Float64Array.from(input as Float64Array);
  softmaxInPlace(probs);
  return probs;
}
