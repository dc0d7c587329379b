/**
 * Is this person on a phone call, handling a phone, or neither?
 *
 * The rule follows the geometry of a call rather than a learned classifier, so a reviewer can check
 * every decision on a drawn frame. Distances are in head sizes, so it does not depend on how far
 * the person stands from the camera.
 *
 *   call score = 0.35 × hand-at-ear + 0.15 × forearm-raised + 0.50 × phone-at-head
 *
 * counted only when a wrist is within `farFromHead` of an ear; a phone-like peak at the head with
 * no hand there can never make a call on its own (hair, a dark ear or a hat gives such peaks).
 * With the default threshold 0.5 this reads as:
 *  - a phone seen at the head and a hand near it → call;
 *  - no phone seen (the hand hides it) → call only with the wrist right at an ear
 *    (≤ `nearHead`) and the forearm raised;
 *  - drinking, eating or brushing teeth put a hand at the face without a phone, so they need the
 *    tighter geometry and mostly stay below the threshold.
 * Handling a phone: a phone box near a wrist (not at the head).
 */
import type { Box, Detection, Keypoint, KeypointName, PhoneVerdict } from '../types.js';

export interface PhoneRuleOptions {
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
  /** Call score at or above which the person is said to be on a call. */
  callThreshold: number;
  /** Hand score at or above which the person is said to be handling a phone. */
  handThreshold: number;
}

export const DEFAULT_PHONE_RULE: PhoneRuleOptions = {
  minKeypointScore: 0.2,
  nearHead: 0.6,
  farFromHead: 2.2,
  phoneHeadRadius: 1.5,
  phoneHandRadius: 1.2,
  minPhoneScore: 0.1,
  phoneFullScore: 0.25,
  callThreshold: 0.5,
  handThreshold: 0.5,
};

/** Weights of the call score (see the top of this file). */
const WEIGHT = { handAtEar: 0.35, forearmRaised: 0.15, phoneAtHead: 0.5 } as const;

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

  // A phone is held to the ear: measure hands against the ears, or against where the ears must be
  // when the hand or the phone hides them.
  const ears = earAnchors(kp, headSize);
  let wristToHead = Infinity;
  let elbowRaised = false;
  let wristName: KeypointName | null = null;
  for (const side of SIDES) {
    const wrist = kp.get(side.wrist);
    if (!wrist || ears.length === 0) continue;
    const d = Math.min(...ears.map((e) => distance(wrist, e))) / headSize;
    if (d >= wristToHead) continue;
    wristToHead = d;
    wristName = side.wrist;
    const elbow = kp.get(side.elbow);
    // A forearm pointing up (wrist above elbow) separates a hand held to the ear from a hand
    // resting on the shoulder or chest in a photo taken from above.
    elbowRaised = elbow !== undefined && wrist.y < elbow.y;
    used.add(side.wrist);
    if (elbow) used.add(side.elbow);
  }

  const { phoneAtHead, phoneInHand } = locatePhones(person.box, head, kp, headSize, phones, options);

  const handAtEar = Number.isFinite(wristToHead)
    ? clamp01((options.farFromHead - wristToHead) / (options.farFromHead - options.nearHead))
    : 0;
  const phoneAtHeadScore = phoneAtHead ? clamp01(phoneAtHead.score / options.phoneFullScore) : 0;
  const callScore = handAtEar > 0
    ? clamp01(WEIGHT.handAtEar * handAtEar + WEIGHT.forearmRaised * (elbowRaised ? 1 : 0) + WEIGHT.phoneAtHead * phoneAtHeadScore)
    : 0;
  const handScore = phoneInHand ? clamp01(phoneInHand.score / options.phoneFullScore) : 0;

  const evidenceBase = { headSize, keypoints: [...used], wristToHead, elbowRaised };
  if (callScore >= options.callThreshold) {
    return {
      phone: 'call',
      phoneScore: round3(callScore),
      evidence: {
        ...evidenceBase,
        phoneBox: phoneAtHead,
        phoneNear: phoneAtHead ? 'head' : null,
        reason: `${wristName ?? 'wrist'} ${wristToHead.toFixed(2)} head sizes from an ear` +
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
      reason: head.length === 0 ? 'head not visible' : 'no hand at an ear with a phone, no phone in a hand',
    },
  };
}

/** The strongest phone box at this person's head, and the strongest one in a hand elsewhere. */
function locatePhones(
  box: Box,
  head: Keypoint[],
  kp: Map<KeypointName, Keypoint>,
  headSize: number,
  phones: Detection[],
  options: PhoneRuleOptions,
): { phoneAtHead: Detection | null; phoneInHand: Detection | null } {
  const headCentre = head.length > 0 ? { x: mean(head.map((h) => h.x)), y: mean(head.map((h) => h.y)) } : null;
  const wrists = SIDES.map((s) => kp.get(s.wrist)).filter((k): k is Keypoint => k !== undefined);
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

const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
const round3 = (v: number): number => Math.round(v * 1000) / 1000;
