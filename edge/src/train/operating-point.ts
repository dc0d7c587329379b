/**
 * From out-of-fold probabilities to the operating thresholds and the figures reported for them.
 *
 * A person is on a call when p(call) ≥ callThreshold; otherwise handling a phone when
 * p(hand) ≥ handThreshold; otherwise neither.
 *
 * Precision depends on how common calls are, and the training photos are mostly not calls (6 %
 * in Stanford 40). The thresholds are chosen for a stated reference composition (by default a
 * third of the people on a call and a sixth handling a phone: people seen at an ATM or a card rack
 * at the moments that matter), by reweighting the out-of-fold rows to it and maximising F1, first
 * of call vs not call, then of hand vs the rest. Recall does not depend on the composition; the
 * reported precision is given both at the training composition (with its interval) and at the
 * reference one.
 */
import { wilson, type Rate } from '../eval/metrics.js';
import { TRAIN_CLASSES, type TrainClass } from './training-set.js';

export type Composition = Record<TrainClass, number>;
export const DEFAULT_COMPOSITION: Composition = { call: 1 / 3, hand: 1 / 6, none: 1 / 2 };

export interface Scored {
  label: TrainClass;
  probabilities: ArrayLike<number>;
  /** A wrist is seen and every seen wrist is far from the head (the rule could never call it). */
  handsAway?: boolean;
}

export interface Thresholds {
  call: number;
  hand: number;
}

export function decide(p: ArrayLike<number>, t: Thresholds): TrainClass {
  if ((p[0] as number) >= t.call) return 'call';
  if ((p[1] as number) >= t.hand) return 'hand';
  return 'none';
}

function classWeights(rows: readonly Scored[], composition: Composition): Record<TrainClass, number> {
  const counts: Record<TrainClass, number> = { call: 0, hand: 0, none: 0 };
  for (const r of rows) counts[r.label]++;
  const w = {} as Record<TrainClass, number>;
  for (const c of TRAIN_CLASSES) w[c] = counts[c] > 0 ? composition[c] / (counts[c] / rows.length) : 0;
  return w;
}

/** Threshold in `candidates` maximising weighted F1 of `positive(label)` vs `predicted(row, t)`. */
function bestF1(rows: readonly Scored[], weights: Record<TrainClass, number>, candidates: number[], isPositive: (l: TrainClass) => boolean, predicts: (r: Scored, t: number) => boolean): number {
  let best = candidates[0] ?? 0.5;
  let bestF = -1;
  for (const t of candidates) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const r of rows) {
      const w = weights[r.label];
      const pos = isPositive(r.label);
      const pred = predicts(r, t);
      if (pos && pred) tp += w;
      else if (pred) fp += w;
      else if (pos) fn += w;
    }
    const f = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    // Ties go to the higher threshold: fewer alarms for the same F1.
    if (f > bestF + 1e-12 || (Math.abs(f - bestF) <= 1e-12 && t > best)) {
      bestF = f;
      best = t;
    }
  }
  return best;
}

/** A grid fine enough for the data size; thresholds are reported to two decimals anyway. */
const GRID = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);

export function chooseThresholds(rows: readonly Scored[], composition: Composition = DEFAULT_COMPOSITION): Thresholds {
  const weights = classWeights(rows, composition);
  const call = bestF1(rows, weights, GRID, (l) => l === 'call', (r, t) => (r.probabilities[0] as number) >= t);
  const hand = bestF1(rows, weights, GRID, (l) => l === 'hand', (r, t) => decide(r.probabilities, { call, hand: t }) === 'hand');
  return { call, hand };
}

export interface ClassFigures {
  precision: Rate;
  recall: Rate;
  /** Precision had the people come in the reference composition (point estimate). */
  precisionAtReference: number | null;
}

export interface Figures {
  people: number;
  call: ClassFigures;
  hand: ClassFigures;
  falseCallsHandsAway: Rate;
  confusion: Record<TrainClass, Record<TrainClass, number>>;
}

export function figures(rows: readonly Scored[], t: Thresholds, predicted?: readonly TrainClass[], composition: Composition = DEFAULT_COMPOSITION): Figures {
  const confusion = Object.fromEntries(TRAIN_CLASSES.map((a) => [a, Object.fromEntries(TRAIN_CLASSES.map((b) => [b, 0]))])) as Figures['confusion'];
  rows.forEach((r, i) => {
    confusion[r.label][predicted?.[i] ?? decide(r.probabilities, t)]++;
  });
  const weights = classWeights(rows, composition);
  const of = (c: TrainClass): ClassFigures => {
    const tp = confusion[c][c];
    const predictedC = TRAIN_CLASSES.reduce((s, l) => s + confusion[l][c], 0);
    const support = TRAIN_CLASSES.reduce((s, p) => s + confusion[c][p], 0);
    const wtp = tp * weights[c];
    const wpred = TRAIN_CLASSES.reduce((s, l) => s + confusion[l][c] * weights[l], 0);
    return { precision: wilson(tp, predictedC), recall: wilson(tp, support), precisionAtReference: wpred > 0 ? wtp / wpred : null };
  };
  let away = 0;
  let awayCalled = 0;
  rows.forEach((r, i) => {
    if (r.label === 'call' || !r.handsAway) return;
    away++;
    if ((predicted?.[i] ?? decide(r.probabilities, t)) === 'call') awayCalled++;
  });
  return { people: rows.length, call: of('call'), hand: of('hand'), falseCallsHandsAway: wilson(awayCalled, away), confusion };
}

/** Average precision of p(call) for call vs not call, at the reference composition. */
export function callAveragePrecision(rows: readonly Scored[], composition: Composition = DEFAULT_COMPOSITION): number {
  const weights = classWeights(rows, composition);
  const sorted = [...rows].sort((a, b) => (b.probabilities[0] as number) - (a.probabilities[0] as number));
  const positives = sorted.reduce((s, r) => s + (r.label === 'call' ? weights.call : 0), 0);
  let tp = 0;
  let all = 0;
  let ap = 0;
  for (const r of sorted) {
    const w = weights[r.label];
    all += w;
    if (r.label === 'call') {
      tp += w;
      ap += (tp / all) * (w / positives);
    }
  }
  return ap;
}
