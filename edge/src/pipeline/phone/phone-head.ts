/**
 * The learned phone head: a small ONNX graph (fitted by `npm run train:phone`) from a person's
 * feature vector (person-features.ts) to p(call), p(hand), p(none). It runs in the same inference
 * worker and onnxruntime as the detector, once per frame for every person with a pose.
 */
import * as ort from 'onnxruntime-node';
import type { PhoneVerdict } from '../types.js';
import { openSession, type ModelSession } from '../detect/session.js';
import { geometryReason, round3 } from './classify.js';
import { PHONE_CLASSES, type PhoneHeadCard } from './phone-head-card.js';
import { FEATURES_VERSION, featureCount } from './person-features.js';
import type { PhoneGeometry } from './phone-geometry.js';

export const HEAD_INPUT = 'features';
export const HEAD_OUTPUT = 'probabilities';

/** Plain data, so it can cross into an inference process. */
export interface PhoneHeadOptions {
  path: string;
  card: PhoneHeadCard;
  /** Overrides of the card's thresholds (config `perception.phone.head`). */
  callThreshold?: number;
  handThreshold?: number;
  /** No call when every seen wrist is farther than `farFromHead` from the head. */
  requireHandAtHead?: boolean;
  farFromHead?: number;
}

export interface HeadDecision {
  call: number;
  hand: number;
  /** Head sizes beyond which a seen wrist is away from the head; Infinity: no such gate. */
  handAwayBeyond: number;
}

export interface PhoneProbabilities {
  call: number;
  hand: number;
  none: number;
}

export interface PhoneHead {
  readonly thresholds: HeadDecision;
  /** One probability triple per feature vector, in order. */
  classify(vectors: readonly Float32Array[]): Promise<PhoneProbabilities[]>;
  close(): Promise<void>;
}

/** The map sizes a head's features come from. */
export interface FeatureShape {
  channels: number;
  classes: number;
  poseChannels: number;
}

/** Refuses a card whose features are not the ones this code computes from these models' maps. */
export function checkCard(path: string, card: PhoneHeadCard, shape: FeatureShape): void {
  const { channels, classes, poseChannels } = shape;
  if (card.features.version !== FEATURES_VERSION) {
    throw new Error(`phone head ${path} was fitted on features '${card.features.version}' but this version computes '${FEATURES_VERSION}'; refit it with npm run train:phone`);
  }
  const f = card.features;
  if (f.channels !== channels || f.classes !== classes || f.poseChannels !== poseChannels || f.count !== featureCount(channels, classes, poseChannels)) {
    throw new Error(
      `phone head ${path} expects ${f.count} features (detector ${f.channels} channels and ${f.classes} classes, pose ${f.poseChannels} channels), ` +
        `but the models give ${channels}, ${classes} and ${poseChannels} (${featureCount(channels, classes, poseChannels)} features)`,
    );
  }
}

export async function openPhoneHead(options: PhoneHeadOptions, intraOpNumThreads: number): Promise<PhoneHead> {
  const count = options.card.features.count;
  const session: ModelSession = await openSession(
    options.path,
    {
      inputs: [{ name: HEAD_INPUT, dtype: 'float32', shape: [null, count] }],
      outputs: [{ name: HEAD_OUTPUT, dtype: 'float32', shape: [null, PHONE_CLASSES.length] }],
    },
    { intraOpNumThreads },
  );
  const thresholds: HeadDecision = {
    call: options.callThreshold ?? options.card.decision.callThreshold,
    hand: options.handThreshold ?? options.card.decision.handThreshold,
    handAwayBeyond: options.requireHandAtHead ? (options.farFromHead ?? Infinity) : Infinity,
  };
  return {
    thresholds,
    async classify(vectors) {
      if (vectors.length === 0) return [];
      const batch = new Float32Array(vectors.length * count);
      vectors.forEach((v, i) => {
        if (v.length !== count) throw new Error(`phone head ${options.path}: expected ${count} features but received ${v.length}`);
        batch.set(v, i * count);
      });
      const results = await session.run({ [HEAD_INPUT]: new ort.Tensor('float32', batch, [vectors.length, count]) });
      const out = results[HEAD_OUTPUT];
      if (!out || !(out.data instanceof Float32Array)) throw new Error(`phone head ${options.path}: output '${HEAD_OUTPUT}' missing or not float32`);
      const p = out.data;
      return vectors.map((_, i) => ({ call: p[i * 3] as number, hand: p[i * 3 + 1] as number, none: p[i * 3 + 2] as number }));
    },
    close: () => session.close(),
  };
}

/** The head's verdict; the geometry still goes into the evidence so a drawn frame shows why. */
export function decideByHead(p: PhoneProbabilities, thresholds: HeadDecision, g: PhoneGeometry): PhoneVerdict {
  const evidenceBase = {
    headSize: g.headSize,
    keypoints: g.used,
    wristToHead: g.wristToHead,
    elbowRaised: g.elbowRaised,
    head: { call: round3(p.call), hand: round3(p.hand), none: round3(p.none) },
  };
  const odds = `p(call) ${p.call.toFixed(2)}, p(hand) ${p.hand.toFixed(2)}`;
  const handsAway = Number.isFinite(g.wristToHead) && g.wristToHead >= thresholds.handAwayBeyond;
  if (p.call >= thresholds.call && !handsAway) {
    return {
      phone: 'call',
      phoneScore: round3(p.call),
      evidence: { ...evidenceBase, phoneBox: g.phoneAtHead, phoneNear: g.phoneAtHead ? 'head' : null, reason: `phone head: ${odds}; ${geometryReason(g)}` },
    };
  }
  // A gated call still holds a phone: its call share counts towards the hand.
  if ((handsAway ? p.hand + p.call : p.hand) >= thresholds.hand) {
    return {
      phone: 'hand',
      phoneScore: round3(p.hand),
      evidence: { ...evidenceBase, phoneBox: g.phoneInHand, phoneNear: g.phoneInHand ? 'hand' : null, reason: `phone head: ${odds}` },
    };
  }
  return {
    phone: 'none',
    phoneScore: round3(Math.max(p.call, p.hand)),
    evidence: { ...evidenceBase, phoneBox: null, phoneNear: null, reason: `phone head: ${odds}` },
  };
}
