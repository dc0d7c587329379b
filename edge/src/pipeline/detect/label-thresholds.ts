/**
 * Minimum detector score per class. People and phones get their own thresholds because the phone
 * rule downstream wants weak `cell phone` candidates (small, half hidden at the ear) while a weak
 * `person` is usually a cone or a box.
 */
export const PERSON_LABEL = 'person';
export const PHONE_LABEL = 'cell phone';

export interface ScoreThresholds {
  person: number;
  phoneCandidate: number;
  object: number;
}

export function minScoresForLabels(labels: readonly string[], thresholds: ScoreThresholds): Float32Array {
  const minScores = new Float32Array(labels.length);
  labels.forEach((label, i) => {
    minScores[i] = label === PERSON_LABEL ? thresholds.person : label === PHONE_LABEL ? thresholds.phoneCandidate : thresholds.object;
  });
  return minScores;
}
