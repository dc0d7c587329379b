/**
 * Is this person on a phone call, handling a phone, or neither?
 *
 * The phone rule (`perception.phone.method: rule`): it follows the geometry of a call, so a reviewer
 * can check every decision on a drawn frame. Distances are in head sizes, so it does not depend on
 * how far the person stands from the camera. The learned phone head (phone-head.ts) uses the same
 * measurements as part of its input; this rule stays for comparison and as the readable baseline.
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
import type { Detection, PhoneVerdict } from '../types.js';
import { clamp01, measurePhoneGeometry, type GeometryOptions, type PersonPose, type PhoneGeometry } from './phone-geometry.js';
import { phoneRuleSchema } from '../../config/schema.js';

export interface PhoneRuleOptions extends GeometryOptions {
  /** Call score at or above which the person is said to be on a call. */
  callThreshold: number;
  /** Hand score at or above which the person is said to be handling a phone. */
  handThreshold: number;
}

/** The rule's defaults, as the config schema writes them down (the one place they live). */
export const DEFAULT_PHONE_RULE: PhoneRuleOptions = (() => {
  const { method: _method, head: _head, ...rule } = phoneRuleSchema.parse({});
  return rule;
})();

/** Weights of the call score (see the top of this file). */
const WEIGHT = { handAtEar: 0.35, forearmRaised: 0.15, phoneAtHead: 0.5 } as const;

export type PersonForPhoneRule = PersonPose;

/** The rule's call and hand scores from measured geometry (both 0..1). */
export function ruleScores(g: PhoneGeometry): { callScore: number; handScore: number } {
  const callScore = g.handAtEar > 0
    ? clamp01(WEIGHT.handAtEar * g.handAtEar + WEIGHT.forearmRaised * (g.elbowRaised ? 1 : 0) + WEIGHT.phoneAtHead * g.phoneAtHeadScore)
    : 0;
  return { callScore, handScore: g.phoneInHandScore };
}

export function classifyPhone(
  person: PersonForPhoneRule,
  phones: readonly Detection[],
  options: PhoneRuleOptions = DEFAULT_PHONE_RULE,
): PhoneVerdict {
  return decideByRule(measurePhoneGeometry(person, phones, options), options);
}

/** The rule's verdict from already measured geometry. */
export function decideByRule(g: PhoneGeometry, options: PhoneRuleOptions): PhoneVerdict {
  const { callScore, handScore } = ruleScores(g);
  const evidenceBase = { headSize: g.headSize, keypoints: g.used, wristToHead: g.wristToHead, elbowRaised: g.elbowRaised };
  if (callScore >= options.callThreshold) {
    return {
      phone: 'call',
      phoneScore: round3(callScore),
      evidence: {
        ...evidenceBase,
        phoneBox: g.phoneAtHead,
        phoneNear: g.phoneAtHead ? 'head' : null,
        reason: geometryReason(g),
      },
    };
  }
  if (handScore >= options.handThreshold) {
    return {
      phone: 'hand',
      phoneScore: round3(handScore),
      evidence: { ...evidenceBase, phoneBox: g.phoneInHand, phoneNear: 'hand', reason: 'phone in a hand' },
    };
  }
  return {
    phone: 'none',
    phoneScore: round3(Math.max(callScore, handScore)),
    evidence: {
      ...evidenceBase,
      phoneBox: null,
      phoneNear: null,
      reason: g.head.length === 0 ? 'head not visible' : 'no hand at an ear with a phone, no phone in a hand',
    },
  };
}

/** "rightWrist 0.42 head sizes from an ear, forearm raised, phone at the head". */
export function geometryReason(g: PhoneGeometry): string {
  if (!Number.isFinite(g.wristToHead)) return g.head.length === 0 ? 'head not visible' : 'no wrist seen';
  return `${g.nearestWrist?.name ?? 'wrist'} ${g.wristToHead.toFixed(2)} head sizes from an ear` +
    `${g.elbowRaised ? ', forearm raised' : ''}${g.phoneAtHead ? ', phone at the head' : ''}`;
}

export const round3 = (v: number): number => Math.round(v * 1000) / 1000;
