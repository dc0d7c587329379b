/**
 * A person too close to the camera for the detector: at an ATM the customer often fills the frame,
 * is cut off at the chest, and the detector, trained on whole people, finds nobody. MoveNet on the
 * whole frame still finds the head, shoulders and arms; when enough of them are confident, they
 * stand in for the missing person box.
 */
import type { Box, Keypoint, KeypointName } from '../types.js';

export interface CloseUpOptions {
  /** Keypoints at or above this score count as seen. */
  minKeypointScore: number;
  /** How many seen upper-body keypoints make a person. */
  minUpperBodyKeypoints: number;
}

export const DEFAULT_CLOSE_UP: CloseUpOptions = { minKeypointScore: 0.3, minUpperBodyKeypoints: 6 };

const HEAD: KeypointName[] = ['nose', 'leftEye', 'rightEye', 'leftEar', 'rightEar'];
const UPPER_BODY = new Set<KeypointName>([
  ...HEAD, 'leftShoulder', 'rightShoulder', 'leftElbow', 'rightElbow', 'leftWrist', 'rightWrist',
]);

export interface CloseUpPerson {
  box: Box;
  score: number;
}

/**
 * The person box implied by whole-frame keypoints, or null when they do not show a head and a
 * shoulder among enough confident upper-body points (an empty scene gives scattered low scores).
 */
export function closeUpPerson(keypoints: readonly Keypoint[], width: number, height: number, o = DEFAULT_CLOSE_UP): CloseUpPerson | null {
  const seen = keypoints.filter((k) => k.score >= o.minKeypointScore && UPPER_BODY.has(k.name));
  const hasHead = seen.some((k) => HEAD.includes(k.name));
  const hasShoulder = seen.some((k) => k.name === 'leftShoulder' || k.name === 'rightShoulder');
  if (!hasHead || !hasShoulder || seen.length < o.minUpperBodyKeypoints) return null;
  const xs = seen.map((k) => k.x);
  const ys = seen.map((k) => k.y);
  const [x1, x2, y1, y2] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  // Keypoints sit inside the body outline: widen to where the head top and arms really end.
  const mx = 0.25 * (x2 - x1);
  const my = 0.25 * (y2 - y1);
  const box: Box = [Math.max(0, x1 - mx), Math.max(0, y1 - my), Math.min(width, x2 + mx), Math.min(height, y2 + my)];
  const score = seen.reduce((s, k) => s + k.score, 0) / seen.length;
  return { box, score };
}
