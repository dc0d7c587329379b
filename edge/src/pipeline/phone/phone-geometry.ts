/**
 * What a person's pose and the detector's phone boxes say about a phone, measured once and used by
 * both the phone rule (classify.ts) and the learned phone head (phone-head.ts): head size and
 * centre, the wrist nearest an ear, whether its forearm is raised, and phone boxes at the head or
 * in a hand. Distances are in head sizes, so they do not depend on how far away the person stands.
 */
import type { Box, Detection, Keypoint, KeypointName } from '../types.js';

/** What measuring needs (the phone rule adds its two thresholds to these). */
export interface GeometryOptions {
  /** Keypoints below this MoveNet score are ignored. */
  minKeypointScore: number;
  /** A wrist this close to an ear (in head sizes) counts fully as a hand at the ear. */
  nearHead: number;
  /** A wrist farther than this from an ear (in head sizes) is not at the head at all. */
  farFromHead: number;
  /** A phone box whose centre is within this many head sizes of the head is "at the head". */
  phoneHeadRadius: number;
  /** A phone box whose centre is within this many head sizes of a wrist is "in the hand". */
  phoneHandRadius: number;
  /** Minimum detector score for a phone box to count as evidence. */
  minPhoneScore: number;
  /** A phone box with this detector score counts fully (phones at the ear rarely score higher). */
  phoneFullScore: number;
}

export interface PersonPose {
  box: Box;
  keypoints: readonly Keypoint[];
}

export interface Point { x: number; y: number }

export interface PhoneGeometry {
  /** Keypoints at or above the minimum score, by name. */
  seen: Map<KeypointName, Keypoint>;
  /** Head keypoints seen (nose, eyes, ears). */
  head: Keypoint[];
  /** Head size in pixels (see estimateHeadSize). */
  headSize: number;
  /** Mean of the seen head keypoints; null when none is seen. */
  headCentre: Point | null;
  /** Nearest seen wrist to an ear (seen or estimated), in head sizes; Infinity without one. */
  wristToHead: number;
  /** That wrist, and whether it is above its elbow. */
  nearestWrist: Keypoint | null;
  elbowRaised: boolean;
  /** Seen wrists, left first. */
  wrists: Keypoint[];
  /** Keypoints that took part (for the drawn evidence). */
  used: KeypointName[];
  /** 1 with the wrist at an ear (≤ nearHead), 0 at farFromHead or beyond. */
  handAtEar: number;
  phoneAtHead: Detection | null;
  phoneInHand: Detection | null;
  /** Phone box scores scaled to 0..1 by phoneFullScore. */
  phoneAtHeadScore: number;
  phoneInHandScore: number;
}

const HEAD_POINTS: KeypointName[] = ['nose', 'leftEye', 'rightEye', 'leftEar', 'rightEar'];
const SIDES = [
  { wrist: 'leftWrist', elbow: 'leftElbow' },
  { wrist: 'rightWrist', elbow: 'rightElbow' },
] as const;

export const distance = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y);
const centre = (box: Box): Point => ({ x: (box[0] + box[2]) / 2, y: (box[1] + box[3]) / 2 });
export const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));
const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;

export function measurePhoneGeometry(person: PersonPose, phones: readonly Detection[], options: GeometryOptions): PhoneGeometry {
  const seen = new Map<KeypointName, Keypoint>();
  for (const k of person.keypoints) if (k.score >= options.minKeypointScore) seen.set(k.name, k);

  const head = HEAD_POINTS.map((n) => seen.get(n)).filter((k): k is Keypoint => k !== undefined);
  const headSize = estimateHeadSize(seen, person.box);
  const headCentre = head.length > 0 ? { x: mean(head.map((h) => h.x)), y: mean(head.map((h) => h.y)) } : null;
  const used = new Set<KeypointName>(head.map((k) => k.name));

  // A phone is held to the ear: measure hands against the ears, or against where the ears must be
  // when the hand or the phone hides them.
  const ears = earAnchors(seen, headSize);
  let wristToHead = Infinity;
  let elbowRaised = false;
  let nearestWrist: Keypoint | null = null;
  for (const side of SIDES) {
    const wrist = seen.get(side.wrist);
    if (!wrist || ears.length === 0) continue;
    const d = Math.min(...ears.map((e) => distance(wrist, e))) / headSize;
    if (d >= wristToHead) continue;
    wristToHead = d;
    nearestWrist = wrist;
    const elbow = seen.get(side.elbow);
    // A forearm pointing up (wrist above elbow) separates a hand held to the ear from a hand
    // resting on the shoulder or chest in a photo taken from above.
    elbowRaised = elbow !== undefined && wrist.y < elbow.y;
    used.add(side.wrist);
    if (elbow) used.add(side.elbow);
  }
  const wrists = SIDES.map((s) => seen.get(s.wrist)).filter((k): k is Keypoint => k !== undefined);

  const { phoneAtHead, phoneInHand } = locatePhones(person.box, headCentre, wrists, headSize, phones, options);
  const handAtEar = Number.isFinite(wristToHead)
    ? clamp01((options.farFromHead - wristToHead) / (options.farFromHead - options.nearHead))
    : 0;
  return {
    seen,
    head,
    headSize,
    headCentre,
    wristToHead,
    nearestWrist,
    elbowRaised,
    wrists,
    used: [...used],
    handAtEar,
    phoneAtHead,
    phoneInHand,
    phoneAtHeadScore: phoneAtHead ? clamp01(phoneAtHead.score / options.phoneFullScore) : 0,
    phoneInHandScore: phoneInHand ? clamp01(phoneInHand.score / options.phoneFullScore) : 0,
  };
}

/** The strongest phone box at this person's head, and the strongest one in a hand elsewhere. */
function locatePhones(
  box: Box,
  headCentre: Point | null,
  wrists: readonly Keypoint[],
  headSize: number,
  phones: readonly Detection[],
  options: GeometryOptions,
): { phoneAtHead: Detection | null; phoneInHand: Detection | null } {
  let phoneAtHead: Detection | null = null;
  let phoneInHand: Detection | null = null;
  for (const p of phones) {
    if (p.score < options.minPhoneScore) continue;
    const c = centre(p.box);
    // Someone else's phone is not this person's evidence.
    if (!insideExpanded(c, box, 0.15)) continue;
    if (headCentre && distance(c, headCentre) / headSize <= options.phoneHeadRadius) {
      if (!phoneAtHead || p.score > phoneAtHead.score) phoneAtHead = p;
    } else if (wrists.some((w) => distance(c, w) / headSize <= options.phoneHandRadius)) {
      if (!phoneInHand || p.score > phoneInHand.score) phoneInHand = p;
    }
  }
  return { phoneAtHead, phoneInHand };
}

/**
 * Head size in pixels: the larger of ear-to-ear distance, half the shoulder width and twice the
 * eye distance, which stay roughly proportional to the head whether the person faces the camera
 * or turns away. Falls back to a fraction of the person box when no pair is visible.
 */
export function estimateHeadSize(kp: Map<KeypointName, Keypoint>, box: Box): number {
  const pairs: [KeypointName, KeypointName, number][] = [
    ['leftEar', 'rightEar', 1],
    ['leftShoulder', 'rightShoulder', 0.5],
    ['leftEye', 'rightEye', 2],
  ];
  let size = 0;
  for (const [a, b, factor] of pairs) {
    const pa = kp.get(a);
    const pb = kp.get(b);
    if (pa && pb) size = Math.max(size, distance(pa, pb) * factor);
  }
  const fallback = 0.2 * Math.min(box[2] - box[0], box[3] - box[1]);
  return Math.max(size, 0.5 * fallback, 1);
}

/**
 * Ear positions: seen ears, else estimated from an eye and the nose (in a frontal view the ear
 * lies about twice as far from the nose, sideways, as the eye does), so a hand that hides the ear
 * still has an ear to be measured against.
 */
export function earAnchors(kp: Map<KeypointName, Keypoint>, headSize: number): Point[] {
  const out: Point[] = [];
  const nose = kp.get('nose');
  for (const side of ['left', 'right'] as const) {
    const ear = kp.get(`${side}Ear`);
    if (ear) {
      out.push({ x: ear.x, y: ear.y });
      continue;
    }
    const eye = kp.get(`${side}Eye`);
    if (eye && nose) {
      const dx = eye.x - nose.x;
      const sideways = Math.sign(dx) * Math.max(Math.abs(dx) * 2.2, 0.35 * headSize);
      out.push({ x: nose.x + sideways, y: eye.y + 0.15 * headSize });
    }
  }
  return out;
}

function insideExpanded(p: Point, box: Box, margin: number): boolean {
  const mx = (box[2] - box[0]) * margin;
  const my = (box[3] - box[1]) * margin;
  return p.x >= box[0] - mx && p.x <= box[2] + mx && p.y >= box[1] - my && p.y <= box[3] + my;
}
