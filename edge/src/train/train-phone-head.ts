/**
 * Fits the phone head end to end: features (cached) → near-duplicate groups → folds →
 * cross-validated model settings and thresholds → the final fit on every photo → the ONNX file and
 * its card. The library half of `npm run train:phone` (main.ts parses the command line).
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeAtomically } from '../../../models/src/index.js';
import { formatRate, type Rate } from '../eval/metrics.js';
import type { AnalyzerPool } from '../pipeline/analyze/analyzer-pool.js';
import type { FrameAnalyzerOptions } from '../pipeline/analyze/frame-analyzer.js';
import { FEATURES_VERSION, featureCount } from '../pipeline/phone/person-features.js';
import { PHONE_HEAD_FORMAT, phoneHeadCardSchema, type PhoneHeadCard } from '../pipeline/phone/phone-head-card.js';
import type { Augmentation } from './augment.js';
import { assignFolds, outOfFold, toDataset, type CvRow } from './cross-validate.js';
import { exportHead } from './export-head.js';
import { extractFeatures, type FeatureRow } from './extract-features.js';
import { fitHead, type FitOptions } from './head-model.js';
import { groupNearDuplicates } from './near-duplicates.js';
import { callAveragePrecision, chooseThresholds, decide, figures, type Composition, type Figures, type Scored, type Thresholds } from './operating-point.js';
import { loadTrainingSet, TRAIN_CLASSES, type TrainClass } from './training-set.js';

export interface TrainOptions {
  data: string;
  seed: number;
  folds: number;
  augment: readonly Augmentation[];
  /** Candidate settings; cross-validation picks one. */
  l2: readonly number[];
  hidden: readonly number[];
  epochs: number;
  composition: Composition;
  /** Feature cache folder; null for none. */
  cacheDir: string | null;
  /** The analyzer to extract features with, and the options it was started with (part of the cache key). */
  pool: AnalyzerPool;
  analyzer: FrameAnalyzerOptions;
  /** SHA-256 of the detector and pose files, recorded in the card and the cache key. */
  modelHashes: { detector: string; pose: string };
  /** A name for the data in the card (the folder's base name by default). */
  dataName?: string;
  log: (line: string) => void;
}

export interface TrainResult {
  onnx: Uint8Array;
  card: PhoneHeadCard;
  cardBytes: Uint8Array;
  /** The rule's and the head's cross-validated call figures side by side. */
  learnedBeatsRule: boolean;
}

const BATCH = 128;
const LEARNING_RATE = 0.001;

export async function trainPhoneHead(o: TrainOptions): Promise<TrainResult> {
  const photos = await loadTrainingSet(o.data);
  const people: Record<string, number> = { call: 0, hand: 0, none: 0 };
  for (const p of photos) people[p.label] = (people[p.label] ?? 0) + Math.max(1, p.boxes?.length ?? 1);
  o.log(`data: ${o.data}: ${photos.length} photos (${TRAIN_CLASSES.map((c) => `${c} ${people[c]}`).join(', ')}); ${photos.filter((p) => p.boxes).length} with person boxes`);

  const identity = createHash('sha256');
  for (const p of photos) identity.update(`${p.name}\t${p.label}\t${JSON.stringify(p.boxes)}\n`);
  const { models: _models, ...analyzerSettings } = o.analyzer;
  const cacheKey = JSON.stringify({ features: FEATURES_VERSION, models: o.modelHashes, analyzer: analyzerSettings, data: identity.digest('hex') });
  const cacheFile = o.cacheDir ? join(o.cacheDir, `phone-features-${createHash('sha256').update(cacheKey).digest('hex').slice(0, 16)}.jsonl`) : null;
  const extraction = await extractFeatures(photos, { pool: o.pool, augmentations: o.augment, seed: o.seed, cacheFile, cacheKey, concurrency: 2 * o.pool.size, log: o.log });
  const rows = extraction.rows;
  if (rows.length === 0) throw new Error(`${o.data}: no person found in any photo; nothing to fit`);
  o.log(`features: ${rows.length} people over ${o.augment.length} variants; ${extraction.missing} photo variants without a person`);

  const hashes = extraction.hashes.map((h, i) => h ?? { hash: [i, 0xffffffff] as [number, number], mirrored: [i, 0xffffffff] as [number, number] });
  const groups = groupNearDuplicates(hashes);
  const groupCount = new Set(groups).size;
  const folds = Math.min(o.folds, groupCount);
  if (folds < 2) throw new Error(`${o.data}: cross-validation needs at least 2 groups of distinct photos, found ${groupCount}`);
  const fold = assignFolds(groups, photos.map((p) => p.label), folds, o.seed);
  const foldOfPhoto = new Map(photos.map((p, i) => [p.name, fold[i] as number]));
  o.log(`cross-validation: ${folds} folds over ${groupCount} groups of near-duplicates (${photos.length - groupCount} photos joined a group)`);

  const cvRows: CvRow[] = rows;
  const trainOn = new Set(o.augment);
  // Judged on the photos as they are; the variants only train.
  const heldOut = rows.map((r, i) => [r, i] as const).filter(([r]) => r.variant === 'original');
  const scoredFrom = (p: Float64Array[]): Scored[] => heldOut.map(([r, i]) => ({ label: r.label, probabilities: p[i] as Float64Array, handsAway: handsAway(r, o.analyzer) }));

  let best: { fit: FitOptions; ap: number; oof: Float64Array[] } | null = null;
  const candidates: { hidden: number; l2: number; callAveragePrecision: number }[] = [];
  for (const hidden of o.hidden) {
    for (const l2 of o.l2) {
      const fit: FitOptions = { hidden, l2, epochs: o.epochs, batchSize: BATCH, learningRate: LEARNING_RATE, seed: o.seed };
      const started = performance.now();
      const oof = outOfFold(cvRows, foldOfPhoto, folds, fit, trainOn);
      const ap = callAveragePrecision(scoredFrom(oof), o.composition);
      candidates.push({ hidden, l2, callAveragePrecision: round4(ap) });
      o.log(`  hidden ${hidden}, l2 ${l2}: call average precision ${ap.toFixed(3)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      // Ties (within rounding) go to the simpler, more regularised model: it is the safer bet on new photos.
      if (!best || round4(ap) > round4(best.ap)) best = { fit, ap, oof };
    }
  }
  if (!best) throw new Error('no candidate settings given');
  const scored = scoredFrom(best.oof);
  const thresholds = chooseThresholds(scored, o.composition);
  const learned = figures(scored, thresholds, undefined, o.composition);
  const gatedPredicted = scored.map((r): TrainClass => {
    const p = r.probabilities;
    if (!r.handsAway) return decide(p, thresholds);
    return (p[1] as number) + (p[0] as number) >= thresholds.hand ? 'hand' : 'none';
  });
  const gated = figures(scored, thresholds, gatedPredicted, o.composition);
  const rulePredicted = heldOut.map(([r]): TrainClass => (r.rule === 'call' ? 'call' : r.rule === 'hand' ? 'hand' : 'none'));
  const rule = figures(scored, thresholds, rulePredicted, o.composition);
  const variants: Record<string, { callRecall: Rate; callPrecision: Rate }> = {};
  for (const v of o.augment) {
    if (v === 'original') continue;
    const vs = rows.map((r, i) => [r, i] as const).filter(([r]) => r.variant === v).map(([r, i]): Scored => ({ label: r.label, probabilities: best.oof[i] as Float64Array }));
    const f = figures(vs, thresholds, undefined, o.composition);
    variants[v] = { callRecall: f.call.recall, callPrecision: f.call.precision };
  }
  report(o.log, { learned, 'learned, requireHandAtHead': gated, rule }, thresholds, variants);

  o.log(`final fit on every photo: hidden ${best.fit.hidden}, l2 ${best.fit.l2}, ${o.epochs} epochs`);
  const head = fitHead(toDataset(cvRows.filter((r) => trainOn.has(r.variant))), best.fit);
  const onnx = exportHead(head);
  const shape = extraction.shape;
  if (!shape || featureCount(shape.channels, shape.classes, shape.poseChannels) !== head.dims) {
    throw new Error(`features: the vectors have ${head.dims} values but the maps ${JSON.stringify(shape)} give ${shape ? featureCount(shape.channels, shape.classes, shape.poseChannels) : 'none'}`);
  }
  const card: PhoneHeadCard = phoneHeadCardSchema.parse({
    format: PHONE_HEAD_FORMAT,
    features: { version: FEATURES_VERSION, count: head.dims, ...shape, detector: o.modelHashes.detector, pose: o.modelHashes.pose },
    classes: ['call', 'hand', 'none'],
    model: { kind: best.fit.hidden > 0 ? 'mlp' : 'logistic', hidden: best.fit.hidden, l2: best.fit.l2, epochs: o.epochs },
    decision: { callThreshold: thresholds.call, handThreshold: thresholds.hand },
    training: {
      data: o.dataName ?? basename(o.data),
      photos: photos.length,
      people: Object.fromEntries(TRAIN_CLASSES.map((c) => [c, rows.filter((r) => r.variant === 'original' && r.label === c).length])),
      augment: [...o.augment],
      seed: o.seed,
      folds,
      groups: groupCount,
      composition: Object.fromEntries(TRAIN_CLASSES.map((c) => [c, round4(o.composition[c])])),
    },
    crossValidation: {
      unit: 'labelled person in an original photo, predicted by a head fitted without that photo and its near-duplicates',
      callAveragePrecision: round4(best.ap),
      learned: roundFigures(learned),
      learnedRequiringHandAtHead: roundFigures(gated),
      rule: roundFigures(rule),
      variants: Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, { callRecall: roundRate(v.callRecall), callPrecision: roundRate(v.callPrecision) }])),
      candidates,
    },
  });
  const cardBytes = new TextEncoder().encode(JSON.stringify(card, null, 2) + '\n');
  const learnedF1 = f1(learned);
  const ruleF1 = f1(rule);
  o.log(`call F1 at the reference composition: learned ${learnedF1.toFixed(3)}, rule ${ruleF1.toFixed(3)}`);
  return { onnx, card, cardBytes, learnedBeatsRule: learnedF1 > ruleF1 };
}

function handsAway(r: FeatureRow, a: FrameAnalyzerOptions): boolean {
  return Number.isFinite(r.wristToHead) && r.wristToHead >= a.phoneRule.farFromHead;
}

function f1(f: Figures): number {
  const p = f.call.precisionAtReference ?? 0;
  const r = f.call.recall.value ?? 0;
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

function report(log: (line: string) => void, all: Record<string, Figures>, t: Thresholds, variants: Record<string, { callRecall: Rate; callPrecision: Rate }>): void {
  log(`thresholds (from cross-validation): call ${t.call}, hand ${t.hand}`);
  for (const [name, f] of Object.entries(all)) {
    log(`${name}:`);
    log(`${''.padEnd(7)} call precision ${formatRate(f.call.precision)} (at the reference composition ${f.call.precisionAtReference?.toFixed(2) ?? '-'}), recall ${formatRate(f.call.recall)}`);
    log(`${''.padEnd(7)} hand precision ${formatRate(f.hand.precision)} (at the reference composition ${f.hand.precisionAtReference?.toFixed(2) ?? '-'}), recall ${formatRate(f.hand.recall)}`);
    log(`${''.padEnd(7)} false calls with the hands away from the head: ${formatRate(f.falseCallsHandsAway)}`);
    log(`${''.padEnd(7)} confusion (rows truth): ${TRAIN_CLASSES.map((c) => `${c} [${TRAIN_CLASSES.map((p) => f.confusion[c][p]).join(' ')}]`).join(', ')}`);
  }
  for (const [v, f] of Object.entries(variants)) log(`variant ${v}: call recall ${formatRate(f.callRecall)}, precision ${formatRate(f.callPrecision)}`);
}

const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;
const roundRate = (r: Rate): Rate => ({ ...r, value: r.value === null ? null : round4(r.value), interval: r.interval ? [round4(r.interval[0]), round4(r.interval[1])] : null });
function roundFigures(f: Figures): Figures {
  const cls = (c: Figures['call']): Figures['call'] => ({ precision: roundRate(c.precision), recall: roundRate(c.recall), precisionAtReference: c.precisionAtReference === null ? null : round4(c.precisionAtReference) });
  return { people: f.people, call: cls(f.call), hand: cls(f.hand), falseCallsHandsAway: roundRate(f.falseCallsHandsAway), confusion: f.confusion };
}

/** Writes both files (temp + rename each), so a reader never sees a head without its card. */
export async function writeHead(onnxPath: string, cardPath: string, r: TrainResult): Promise<void> {
  await mkdir(dirname(onnxPath), { recursive: true });
  for (const [file, bytes] of [[onnxPath, r.onnx], [cardPath, r.cardBytes]] as const) {
    try {
      await writeAtomically(file, bytes);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
    }
  }
}
