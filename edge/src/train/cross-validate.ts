/**
 * Grouped, stratified k-fold cross-validation of the phone head: every photo (with all its
 * variants and near-duplicates) is held out exactly once, and predicted by a head fitted without
 * it. Only these out-of-fold predictions choose the model settings and the thresholds.
 */
import { seededRandom } from './augment.js';
import { fitHead, forward, type BakedHead, type Dataset, type FitOptions } from './head-model.js';
import type { Augmentation } from './augment.js';
import { TRAIN_CLASSES, type TrainClass } from './training-set.js';

export interface CvRow {
  photo: string;
  variant: Augmentation;
  label: TrainClass;
  features: Float32Array;
}

/**
 * Fold per group: groups in a seeded random order, largest first, each to the fold that has the
 * fewest photos of the group's (majority) label so far, then the fewest photos.
 */
export function assignFolds(groupOfPhoto: readonly number[], labelOfPhoto: readonly TrainClass[], folds: number, seed: number): number[] {
  const members = new Map<number, number[]>();
  groupOfPhoto.forEach((g, i) => members.set(g, [...(members.get(g) ?? []), i]));
  const random = seededRandom('folds', seed);
  const groups = [...members.entries()].map(([id, photos]) => ({ id, photos, tie: random() }));
  groups.sort((a, b) => b.photos.length - a.photos.length || a.tie - b.tie);
  const perLabel = new Map<TrainClass, number[]>(TRAIN_CLASSES.map((c) => [c, new Array<number>(folds).fill(0)]));
  const sizes = new Array<number>(folds).fill(0);
  const foldOfGroup = new Map<number, number>();
  for (const g of groups) {
    const counts = new Map<TrainClass, number>();
    for (const i of g.photos) counts.set(labelOfPhoto[i] as TrainClass, (counts.get(labelOfPhoto[i] as TrainClass) ?? 0) + 1);
    const label = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'none';
    const byLabel = perLabel.get(label) as number[];
    let best = 0;
    for (let f = 1; f < folds; f++) {
      if ((byLabel[f] as number) < (byLabel[best] as number) || ((byLabel[f] as number) === (byLabel[best] as number) && (sizes[f] as number) < (sizes[best] as number))) best = f;
    }
    foldOfGroup.set(g.id, best);
    byLabel[best] = (byLabel[best] as number) + (counts.get(label) ?? 0);
    sizes[best] = (sizes[best] as number) + g.photos.length;
  }
  return groupOfPhoto.map((g) => foldOfGroup.get(g) as number);
}

export function toDataset(rows: readonly CvRow[]): Dataset {
  const dims = rows[0]?.features.length ?? 0;
  const x = new Float32Array(rows.length * dims);
  rows.forEach((r, i) => {
    if (r.features.length !== dims) throw new Error(`row ${r.photo} (${r.variant}) has ${r.features.length} features, expected ${dims}`);
    x.set(r.features, i * dims);
  });
  return { x, dims, y: Uint8Array.from(rows, (r) => TRAIN_CLASSES.indexOf(r.label)) };
}

/** Out-of-fold probabilities for every row (all variants of a held-out photo are predicted). */
export function outOfFold(rows: readonly CvRow[], foldOfPhoto: ReadonlyMap<string, number>, folds: number, fit: FitOptions, trainOn: ReadonlySet<Augmentation>): Float64Array[] {
  const out: Float64Array[] = new Array<Float64Array>(rows.length);
  for (let f = 0; f < folds; f++) {
    const train = rows.filter((r) => foldOfPhoto.get(r.photo) !== f && trainOn.has(r.variant));
    const head: BakedHead = fitHead(toDataset(train), { ...fit, seed: fit.seed * 100 + f });
    rows.forEach((r, i) => {
      if (foldOfPhoto.get(r.photo) === f) out[i] = forward(head, r.features);
    });
  }
  return out;
}
