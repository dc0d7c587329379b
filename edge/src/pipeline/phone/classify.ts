/**
 * Is this person on a phone call, handling a phone, or neither?
 *
 * The rule follows the geometry of a call rather than a learned classifier, so a reviewer can check
 * every decision on a drawn frame: a call puts a hand at the side of the head with the forearm raised
 * (wrist above elbow), usually with a phone visible between hand and ear. Handling a phone puts a
 * phone near a hand in front of the body. Distances are measured in head sizes so the rule does not
 * depend on how far the person stands from the camera.
 */
import type { Box, Detection, Keypoint, KeypointName, PhoneVerdict } from '../types.js';

export interface PhoneRuleOptions {
  /** Keypoints below this MoveNet score are ignored. */
  minKeypointScore: number;
  /** A wrist this close to the head (in head sizes) counts fully towards a call. */
  nearHead: number;
  /** A wrist farther than this from the head (in head sizes) counts nothing towards a call. */
  farFromHead: number;
  /** A phone box whose centre is within this many head sizes of the head is "at the head". */
  phoneHeadRadius: number;
  /** A phone box whose centre is within this many head sizes of a wrist is "in the hand". */
  phoneHandRadius: number;
  /** Minimum detector score for a phone box to count as evidence. */
  minPhoneScore: number;
  /** Call score at or above which the person is said to be on a call. */
  callThreshold: number;
  /** Hand score at or above which the person is said to be handling a phone. */
  handThreshold: number;
}

export const DEFAULT_PHONE_RULE: PhoneRuleOptions = {
  minKeypointScore: 0.2,
  nearHead: 1.0,
  farFromHead: 2.0,
  phoneHeadRadius: 1.5,
  phoneHandRadius: 1.2,
  minPhoneScore: 0.1,
  callThreshold: 0.5,
  handThreshold: 0.5,
};

export interface PersonForPhoneRule {
  box: Box;
  keypoints: Keypoint[];
}

const HEAD_POINTS: KeypointName[] = ['nose', 'leftEye', 'rightEye', 'leftEar', 'rightEar'];
const SIDES = [
  { wrist: 'leftWrist', elbow: 'leftElbow', shoulder: 'leftShoulder' },
  { wrist: 'rightWrist', elbow: 'rightElbow', shoulder: 'rightShoulder' },
] as const;

interface Point { x: number; y: number }

const distance = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y);
const centre = (box: Box): Point => ({ x: (box[0] + box[2]) / 2, y: (box[1] + box[3]) / 2 });
const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

export function classifyPhone(
  person: PersonForPhoneRule,
  phones: Detection[],
  options: PhoneRuleOptions = DEFAULT_PHONE_RULE,
): PhoneVerdict {
  const kp = new Map<KeypointName, Keypoint>();
  for (const k of person.keypoints) if (k.score >= options.minKeypointScore) kp.set(k.name, k);

  const head = HEAD_POINTS.map((n) => kp.get(n)).filter((k): k is Keypoint => k !== undefined);
  const headSize = estimateHeadSize(kp, person.box);
  const used = new Set<KeypointName>(head.map((k) => k.name));
  const candidates = phones.filter((p) => p.score >= options.minPhoneScore);

  // Where a phone held to the ear would be: the ears, or where the ears must be when the hand or
  // the phone hides them. A hand in front of the mouth (drinking, eating, smoking, covering a
  // cough) is nearer the mouth than either ear; a hand on a call is nearer an ear.
  const ears = earAnchors(kp, headSize);
  const mouth = mouthPoint(kp, headSize);
  for (const e of ears) used.add(e.from);

  let wristToHead = Infinity;
  let elbowRaised = false;
  let atEarSide = false;
  let wristPoint: Keypoint | null = null;
  for (const side of SIDES) {
    const wrist = kp.get(side.wrist);
    if (!wrist || ears.length === 0) continue;
    const d = Math.min(...ears.map((e) => distance(wrist, e))) / headSize;
    if (d < wristToHead) {
      wristToHead = d;
      wristPoint = wrist;
      const elbow = kp.get(side.elbow);
      const shoulder = kp.get(side.shoulder);
      // A forearm pointing up (wrist above elbow) is what separates a hand held to the ear from a
      // hand resting on the shoulder or chest in a photo taken from above.
      elbowRaised = elbow !== undefined && wrist.y < elbow.y &&
        (shoulder === undefined || elbow.y < shoulder.y + 2.5 * headSize);
      atEarSide = mouth === null || d * headSize <= distance(wrist, mouth);
      used.add(side.wrist);
      if (elbow) used.add(side.elbow);
      if (shoulder) used.add(side.shoulder);
    }
  }

  const headCentre = head.length > 0
    ? { x: mean(head.map((h) => h.x)), y: mean(head.map((h) => h.y)) }
    : null;
  const wrists = SIDES.map((s) => kp.get(s.wrist)).filter((k): k is Keypoint => k !== undefined);

  let phoneAtHead: Detection | null = null;
  let phoneInHand: Detection | null = null;
  for (const p of candidates) {
    const c = centre(p.box);
    if (!insideExpanded(c, person.box, 0.15)) continue;
    if (headCentre && distance(c, headCentre) / headSize <= options.phoneHeadRadius) {
      if (!phoneAtHead || p.score > phoneAtHead.score) phoneAtHead = p;
    } else if (wrists.some((w) => distance(c, w) / headSize <= options.phoneHandRadius)) {
      if (!phoneInHand || p.score > phoneInHand.score) phoneInHand = p;
    }
  }

  const wristScore = Number.isFinite(wristToHead) && atEarSide
    ? clamp01((options.farFromHead - wristToHead) / (options.farFromHead - options.nearHead))
    : 0;
  // A phone at the head is strong evidence only with a hand there to hold it; a weak detector peak
  // on its own (hair, a dark ear) must not raise a call.
  const phoneHeadScore = phoneAtHead ? clamp01(phoneAtHead.score / 0.3) : 0;
  const callScore = clamp01(
    0.55 * wristScore + 0.15 * (elbowRaised ? 1 : 0) + 0.3 * phoneHeadScore * (wristScore > 0 ? 1 : 0.5),
  );
  const handScore = phoneInHand ? clamp01(phoneInHand.score / 0.3) : 0;

  const evidenceBase = { headSize, keypoints: [...used], wristToHead, elbowRaised, atEarSide };
  if (callScore >= options.callThreshold) {
    return {
      phone: 'call',
      phoneScore: round3(callScore),
      evidence: {
        ...evidenceBase,
        phoneBox: phoneAtHead,
        phoneNear: phoneAtHead ? 'head' : null,
        reason: `${wristPoint?.name ?? 'wrist'} ${wristToHead.toFixed(2)} head sizes from an ear` +
          `${elbowRaised ? ', forearm raised' : ''}${phoneAtHead ? ', phone at the head' : ''}`,
      },
    };
  }
  if (handScore >= options.handThreshold) {
    return {
      phone: 'hand',
      phoneScore: round3(handScore),
      evidence: { ...evidenceBase, phoneBox: phoneInHand, phoneNear: 'hand', reason: 'phone in a hand' },
    };
  }
  return {
    phone: 'none',
    phoneScore: round3(Math.max(callScore, handScore)),
    evidence: {
      ...evidenceBase,
      phoneBox: null,
      phoneNear: null,
      reason: head.length === 0
        ? 'head not visible'
        : Number.isFinite(wristToHead) && !atEarSide
          ? 'hand at the mouth, not at an ear'
          : 'no hand at an ear and no phone in a hand',
    },
  };
}

/**
 * Head size in pixels: the larger of ear-to-ear distance and half the shoulder width, which stay
 * roughly proportional to the head whether the person faces the camera or turns away. Falls back to
 * a fraction of the person box when neither pair is visible.
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

interface EarAnchor extends Point { from: KeypointName }

/**
 * Ear positions: seen ears, else estimated from an eye and the nose (in a frontal view the ear
 * lies about twice as far from the nose, sideways, as the eye does), so a hand that hides the ear
 * still has an ear to be measured against.
 */
export function earAnchors(kp: Map<KeypointName, Keypoint>, headSize: number): EarAnchor[] {
  const out: EarAnchor[] = [];
  const nose = kp.get('nose');
  for (const side of ['left', 'right'] as const) {
    const ear = kp.get(`${side}Ear`);
    if (ear) {
      out.push({ x: ear.x, y: ear.y, from: ear.name });
      continue;
    }
    const eye = kp.get(`${side}Eye`);
    if (eye && nose) {
      const dx = eye.x - nose.x;
      const sideways = Math.sign(dx) * Math.max(Math.abs(dx) * 2.2, 0.35 * headSize);
      out.push({ x: nose.x + sideways, y: eye.y + 0.15 * headSize, from: eye.name });
    }
  }
  return out;
}

/** The mouth sits below the nose by about a third of a head. */
function mouthPoint(kp: Map<KeypointName, Keypoint>, headSize: number): Point | null {
  const nose = kp.get('nose');
  return nose ? { x: nose.x, y: nose.y + 0.35 * headSize } : null;
}

function insideExpanded(p: Point, box: Box, margin: number): boolean {
  const mx = (box[2] - box[0]) * margin;
  const my = (box[3] - box[1]) * margin;
  return p.x >= box[0] - mx && p.x <= box[2] + mx && p.y >= box[1] - my && p.y <= box[3] + my;
}

const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
const round3 = (v: number): number => Math.round(v * 1000) / 1000;
