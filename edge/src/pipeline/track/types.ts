/** Shapes of the per-camera person tracker (detections in, tracks with stable ids out). */
import type { Box, PhoneState } from '../types.js';

/** What the tracker needs from one detected person; a `PersonResult` is one. */
export interface TrackInput {
  box: Box;
  score: number;
  phone: PhoneState;
  phoneScore: number;
}

/**
 * - `tentative`: seen in fewer than `minHits` consecutive frames; dropped on its first miss.
 * - `confirmed`: matched in this frame.
 * - `lost`: confirmed once, not matched in this frame; kept for `maxLostMs` in case it reappears.
 */
export type TrackState = 'tentative' | 'confirmed' | 'lost';

export interface Track {
  /** Per tracker (per camera), counting from 1 since construction or the last `reset()`. */
  id: number;
  /** The motion filter's box at this frame: smoothed when matched, predicted when lost. */
  box: Box;
  /** Detector score of the last matched detection. */
  score: number;
  /** Phone state smoothed over time with hysteresis (see phone-smoother.ts). */
  phone: PhoneState;
  /** Smoothed score of `phone`: share of recent time on a call / with a phone; for `none`, the phone share. */
  phoneScore: number;
  /** This frame's per-frame verdict of the matched detection; null when not matched in this frame. */
  rawPhone: PhoneState | null;
  /** Index of the matched detection in this frame's input (to reach keypoints etc.); null when not matched. */
  detectionIndex: number | null;
  firstSeenMs: number;
  lastSeenMs: number;
  state: TrackState;
  /** Frames in which a detection was matched to this track. */
  hits: number;
  /** Velocity of the box centre in pixels per second [vx, vy]. */
  velocity: [number, number];
}

export interface PhoneSmoothingOptions {
  /** Time constant of the exponential moving average of per-frame phone evidence. */
  phoneTauMs: number;
  /** Smoothed score at or above which a state may be entered... */
  phoneEnter: number;
  /** ...once it has stayed there this long. */
  phoneMinEnterMs: number;
  /** Smoothed score at or below which a state is left. */
  phoneExit: number;
  /** Longest time one observation may stand for, so one frame after an occlusion cannot overwrite the history. */
  phoneMaxStepMs: number;
}

export interface TrackerOptions extends PhoneSmoothingOptions {
  /** Detections at or above this score are matched first and may start tracks. */
  highThreshold: number;
  /** Detections at or above this (and below `highThreshold`) only keep already confirmed tracks alive. */
  lowThreshold: number;
  /** Minimum IoU between a predicted track box and a high-score detection to match them. */
  matchIou: number;
  /** Minimum IoU for the low-score stage (stricter: low scores are often clutter). */
  lowMatchIou: number;
  /** Consecutive matched frames after which a tentative track is confirmed. */
  minHits: number;
  /** A track unmatched for longer than this is removed; its person gets a new id on return. */
  maxLostMs: number;
  /** Measurement noise: standard deviation of detected box edges, as a fraction of box height. */
  measurementNoise: number;
  /** Process noise: random acceleration density, in box heights per s^1.5 (how fast velocity may change). */
  processNoise: number;
  /** Uncertainty of a new track's velocity, in box heights per second. */
  initialVelocityStd: number;
}
