/**
 * Behaviour lifecycle steps as the behaviour engine emits them, for driving the EventRecorder and
 * the alert path in tests and the alert benchmark without video: one episode is `start`, any
 * `update`s, `end`, all with the times the caller chooses.
 */
import type { BehaviourEvent, BehaviourName, Severity } from '../src/pipeline/behaviours/types.js';

export interface EpisodeOptions {
  readonly camera?: string;
  readonly zone?: string;
  readonly behaviour?: BehaviourName;
  /** For phone_at_atm; default atm1. */
  readonly atmId?: string;
  readonly trackId?: number;
}

let episodes = 0;

/** Steps of one episode; each call gives a fresh eventKey. */
export function episode(startedAtMs: number, options: EpisodeOptions = {}): {
  start(severity?: Severity): BehaviourEvent;
  update(atMs: number, severity?: Severity): BehaviourEvent;
  end(atMs: number): BehaviourEvent;
} {
  const behaviour = options.behaviour ?? 'phone_at_atm';
  const atm = behaviour === 'phone_at_atm';
  const trackId = options.trackId ?? 1;
  const eventKey = `test-episode-${++episodes}`;
  let severity: Severity = 'medium';
  const step = (type: BehaviourEvent['type'], atMs: number): BehaviourEvent => ({
    type,
    eventKey,
    behaviour,
    cameraId: options.camera ?? (atm ? 'atmcam' : 'rack1'),
    zoneId: options.zone ?? (atm ? 'atm-front' : 'cards'),
    zoneKind: atm ? 'atm' : 'emoney_rack',
    ...(atm ? { atmId: options.atmId ?? 'atm1' } : {}),
    trackId,
    trackIds: [trackId],
    severity,
    startedAtMs,
    atMs,
    ...(type === 'end' ? { endedAtMs: atMs } : {}),
    dwellSeconds: Math.max(0, (atMs - startedAtMs) / 1000 + 3),
    phone: severity === 'high' ? 'call' : 'hand',
    box: [100, 100, 200, 400],
  });
  return {
    start: (s = 'high') => {
      severity = s;
      return step('start', startedAtMs);
    },
    update: (atMs, s) => {
      if (s) severity = s;
      return step('update', atMs);
    },
    end: (atMs) => step('end', atMs),
  };
}
