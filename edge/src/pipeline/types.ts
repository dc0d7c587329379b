/** Shapes shared by the perception stages (decode → detect → pose → phone). */

/** Axis-aligned box in pixels of the analysed frame: [x1, y1, x2, y2]. */
export type Box = [number, number, number, number];

export interface Detection {
  label: string;
  classId: number;
  box: Box;
  score: number;
}

export const KEYPOINT_NAMES = [
  'nose', 'leftEye', 'rightEye', 'leftEar', 'rightEar',
  'leftShoulder', 'rightShoulder', 'leftElbow', 'rightElbow',
  'leftWrist', 'rightWrist', 'leftHip', 'rightHip',
  'leftKnee', 'rightKnee', 'leftAnkle', 'rightAnkle',
] as const;
export type KeypointName = (typeof KEYPOINT_NAMES)[number];

/** A body keypoint in frame pixels; score is MoveNet's confidence in [0, 1]. */
export interface Keypoint {
  name: KeypointName;
  x: number;
  y: number;
  score: number;
}

export type PhoneState = 'call' | 'hand' | 'none';

/** Why the phone rule decided what it did, so a reviewer can check it on a drawn frame. */
export interface PhoneEvidence {
  /** Head size in pixels used to scale every distance below. */
  headSize: number;
  /** Keypoints that took part in the decision. */
  keypoints: KeypointName[];
  /** Nearest wrist to an ear (seen or estimated), in head sizes (Infinity when no usable wrist). */
  wristToHead: number;
  /** Whether that wrist is above its elbow (forearm raised towards the head). */
  elbowRaised: boolean;
  /** Detected phone box used as evidence, if any. */
  phoneBox: Detection | null;
  /** Where the phone box is: near the head, near a hand, or nowhere relevant. */
  phoneNear: 'head' | 'hand' | null;
  /** One short human-readable reason. */
  reason: string;
  /** The learned phone head's probabilities, when it made the decision. */
  head?: { call: number; hand: number; none: number };
  /** The phone rule's verdict on the same person, kept beside the head's for comparison. */
  rule?: { phone: PhoneState; phoneScore: number };
}

export interface PhoneVerdict {
  phone: PhoneState;
  phoneScore: number;
  evidence: PhoneEvidence;
}

export interface PersonResult extends PhoneVerdict {
  box: Box;
  score: number;
  keypoints: Keypoint[];
  /** The phone head's input vector, only when asked for (training, diagnostics). */
  features?: Float32Array;
}

export interface StageTimings {
  preprocessMs: number;
  detectMs: number;
  poseMs: number;
  decodeMs: number;
  /** Phone decision: rule geometry, feature pooling and the learned head. */
  phoneMs: number;
}

export interface FrameAnalysis {
  width: number;
  height: number;
  people: PersonResult[];
  objects: Detection[];
  timings: StageTimings;
  /**
   * One result per hint box the caller gave (training on labelled boxes), in order: the detected
   * person matching it best (IoU ≥ 0.5), else the hint box itself with score 0.
   */
  hinted?: PersonResult[];
  /** Sizes of the maps the feature vectors were pooled from (with `features` only). */
  featureShape?: { channels: number; classes: number; poseChannels: number };
}

/** Packed 8-bit RGB pixels, row-major, no padding. */
export interface RgbFrame {
  data: Uint8Array;
  width: number;
  height: number;
}
