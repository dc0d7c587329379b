/**
 * The learned phone head's input for one person: what the frozen detector and pose model already
 * compute, pooled where a phone (or a cup, cigarette or toothbrush) would be, plus the geometry and
 * phone-box evidence the rule measures.
 *
 * The detector is COCO-trained, so its head features and its 80-class heatmap already respond to
 * phones, cups, bottles and toothbrushes; the pose model's backbone sees the person at the same
 * resolution whatever their distance. Regions are placed by the keypoints and sized in head sizes,
 * so a person far away and one close up are pooled over the same part of the body:
 *
 *   face   the mouth and nose (FACE)
 *   ears   either side of the head (EAR), merged by element-wise max, so a phone at either ear (and a
 *          mirrored camera) gives the same vector
 *   hands  one region per seen wrist, a little past it along the forearm (the hand and what it
 *          holds are beyond the wrist), merged the same way
 *
 *   detector features: mean and max over face, ears, hands   3 × 2 × channels
 *   detector heatmap:  max of each class over the same       3 × classes
 *   pose backbone:     mean over the whole crop and the head 2 × poseChannels
 *   geometry:          GEOMETRY_FEATURES
 *
 * Changing anything here changes what a fitted head was trained on: bump FEATURES_VERSION, which
 * the head's card records, so an old head file is refused instead of misread.
 */
import { KEYPOINT_NAMES, type Box, type Keypoint } from '../types.js';
import { poolRegion, cellsPerPixel, type FeatureMap, type PoolRegion, type PooledFeatures } from './feature-map.js';
import { ruleScores } from './classify.js';
import type { PhoneGeometry, Point } from './phone-geometry.js';

export const FEATURES_VERSION = 'mimamori-phone-features/1';

/** Face: the mouth and nose, where cups, cigarettes and toothbrushes are held. */
const FACE = { dx: 0, dy: 0.25, halfWidth: 0.45, halfHeight: 0.55 };
/** Each ear: where a phone held to the head is. */
const EAR = { dx: 0.75, dy: 0.1, halfWidth: 0.45, halfHeight: 0.65 };
const HAND_HALF = 0.7;
/** How far past the wrist, as a share of the elbow→wrist vector, the hand region is centred. */
const HAND_REACH = 0.35;

export const GEOMETRY_FEATURES = [
  'wristToHead', 'handAtEar', 'elbowRaised', 'phoneAtHead', 'phoneInHand', 'ruleCall',
  'headPointsSeen', 'wristsSeen', 'wristBelowHead', 'wristBesideHead', 'headCells',
  'noWrist',
  ...KEYPOINT_NAMES.map((k) => `score.${k}`),
] as const;

const MAP_REGIONS = ['face', 'ear', 'hand'] as const;
/** Pose-backbone blocks (MoveNet's MobileNetV2 out_relu); absent when the pose model has no features. */
export const POSE_BLOCKS = ['pose.crop', 'pose.head'] as const;

export function featureNames(channels: number, classes: number, poseChannels = 0): string[] {
  const out: string[] = [];
  for (const r of MAP_REGIONS) for (const stat of ['mean', 'max']) for (let c = 0; c < channels; c++) out.push(`${r}.${stat}.${c}`);
  for (const r of MAP_REGIONS) for (let c = 0; c < classes; c++) out.push(`${r}.heat.${c}`);
  for (const b of POSE_BLOCKS) for (let c = 0; c < poseChannels; c++) out.push(`${b}.${c}`);
  return [...out, ...GEOMETRY_FEATURES];
}

export function featureCount(channels: number, classes: number, poseChannels = 0): number {
  return MAP_REGIONS.length * (2 * channels + classes) + POSE_BLOCKS.length * poseChannels + GEOMETRY_FEATURES.length;
}

export interface PersonFeatureInput {
  box: Box;
  keypoints: readonly Keypoint[];
  geometry: PhoneGeometry;
}

/** Maps the detector's outputs for one frame, and the pose model's for this person's crop. */
export interface FrameFeatureMaps {
  features: FeatureMap;
  heatmap: FeatureMap;
  pose?: FeatureMap | null;
}

export interface PersonRegions {
  face: PoolRegion;
  /** Left and right of the head, in frame x order. */
  ears: PoolRegion[];
  hands: PoolRegion[];
}

/** The face, ear and hand regions of a person, in frame pixels. */
export function personRegions(person: PersonFeatureInput): PersonRegions {
  const g = person.geometry;
  const hs = g.headSize;
  const head: Point = g.headCentre ?? { x: (person.box[0] + person.box[2]) / 2, y: person.box[1] + 0.6 * hs };
  const at = (r: typeof FACE, side: number): PoolRegion => ({
    cx: head.x + side * r.dx * hs, cy: head.y + r.dy * hs, halfWidth: r.halfWidth * hs, halfHeight: r.halfHeight * hs,
  });
  const hands = g.wrists.map((w): PoolRegion => {
    const elbow = g.seen.get(w.name === 'leftWrist' ? 'leftElbow' : 'rightElbow');
    const c = elbow ? { x: w.x + HAND_REACH * (w.x - elbow.x), y: w.y + HAND_REACH * (w.y - elbow.y) } : w;
    return { cx: c.x, cy: c.y, halfWidth: HAND_HALF * hs, halfHeight: HAND_HALF * hs };
  });
  return { face: at(FACE, 0), ears: [at(EAR, -1), at(EAR, 1)], hands };
}

const clip = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/** Element-wise max of the pooled features of several regions (zeros for none). */
function pooledMax(map: FeatureMap, regions: readonly PoolRegion[]): PooledFeatures {
  const C = map.channels;
  const out: PooledFeatures = { mean: new Float32Array(C), max: new Float32Array(C) };
  if (regions.length === 0) return out;
  out.mean.fill(-Infinity);
  out.max.fill(-Infinity);
  const scratch: PooledFeatures = { mean: new Float32Array(C), max: new Float32Array(C) };
  for (const r of regions) {
    poolRegion(map, r, scratch);
    for (let c = 0; c < C; c++) {
      if ((scratch.mean[c] as number) > (out.mean[c] as number)) out.mean[c] = scratch.mean[c] as number;
      if ((scratch.max[c] as number) > (out.max[c] as number)) out.max[c] = scratch.max[c] as number;
    }
  }
  return out;
}

/** The feature vector, length featureCount(channels, classes, poseChannels), in featureNames order. */
export function personFeatures(person: PersonFeatureInput, maps: FrameFeatureMaps): Float32Array {
  const C = maps.features.channels;
  const K = maps.heatmap.channels;
  const P = maps.pose?.channels ?? 0;
  const out = new Float32Array(featureCount(C, K, P));
  const regions = personRegions(person);
  const groups = [[regions.face], regions.ears, regions.hands];
  let offset = 0;
  for (const group of groups) {
    const pooled = pooledMax(maps.features, group);
    out.set(pooled.mean, offset);
    out.set(pooled.max, offset + C);
    offset += 2 * C;
  }
  for (const group of groups) {
    out.set(pooledMax(maps.heatmap, group).max, offset);
    offset += K;
  }
  if (maps.pose) {
    const m = maps.pose;
    const crop = m.region;
    out.set(poolRegion(m, { cx: crop.x + crop.width / 2, cy: crop.y + crop.height / 2, halfWidth: crop.width / 2, halfHeight: crop.height / 2 }).mean, offset);
    // The whole head around the face: both ears wide (1.2 head sizes each side), 1.5× the face tall.
    // Written as fitted (the committed head's features depend on this exact arithmetic).
    const f = regions.face;
    out.set(poolRegion(m, { cx: f.cx, cy: f.cy, halfWidth: 2 * f.halfWidth + 0.3 * person.geometry.headSize, halfHeight: f.halfHeight * 1.5 }).mean, offset + P);
    offset += 2 * P;
  }

  const g = person.geometry;
  const hs = g.headSize;
  const wrist = g.nearestWrist;
  const centre = g.headCentre;
  const cells = cellsPerPixel(maps.features);
  const headCells = hs * Math.sqrt(cells.x * cells.y);
  const scores = new Map(person.keypoints.map((k) => [k.name, k.score]));
  const geometry: Record<string, number> = {
    wristToHead: Number.isFinite(g.wristToHead) ? Math.min(g.wristToHead, 4) / 4 : 1,
    handAtEar: g.handAtEar,
    elbowRaised: g.elbowRaised ? 1 : 0,
    phoneAtHead: g.phoneAtHeadScore,
    phoneInHand: g.phoneInHandScore,
    ruleCall: ruleScores(g).callScore,
    headPointsSeen: g.head.length / 5,
    wristsSeen: g.wrists.length / 2,
    wristBelowHead: wrist && centre ? clip((wrist.y - centre.y) / hs, -3, 3) / 3 : 0,
    wristBesideHead: wrist && centre ? clip(Math.abs(wrist.x - centre.x) / hs, 0, 3) / 3 : 0,
    headCells: clip(Math.log2(Math.max(headCells, 1e-3)), -2, 5) / 5,
    noWrist: g.wrists.length === 0 ? 1 : 0,
  };
  for (const k of KEYPOINT_NAMES) geometry[`score.${k}`] = scores.get(k) ?? 0;
  GEOMETRY_FEATURES.forEach((name, i) => {
    out[offset + i] = geometry[name] as number;
  });
  return out;
}
