import { describe, expect, it } from 'vitest';
import { zoneSchema, type ZoneConfig } from '../../config/schema.js';
import type { Box, PhoneState } from '../types.js';
import { BehaviourEngine, DEFAULT_BEHAVIOUR_OPTIONS } from './behaviour-engine.js';
import type { BehaviourEvent, TrackView } from './types.js';

const T0 = 1_760_000_000_000;
const FPS = 5;
const WIDTH = 640;
const HEIGHT = 480;

// Rack: x 320..576, y 240..456. ATM: x 32..256, same y.
const RACK = zoneSchema.parse({ id: 'rack', kind: 'emoney_rack', polygon: [[0.5, 0.5], [0.9, 0.5], [0.9, 0.95], [0.5, 0.95]] });
const ATM = zoneSchema.parse({ id: 'atm1', kind: 'atm', atmId: 'A1', polygon: [[0.05, 0.5], [0.4, 0.5], [0.4, 0.95], [0.05, 0.95]] });

/** A 200 px tall person standing at foot point (x, y). */
function person(id: number, x: number, y: number, phone: PhoneState = 'none', state: TrackView['state'] = 'confirmed'): TrackView {
  return { id, box: [x - 40, y - 200, x + 40, y] as Box, state, phone, phoneScore: phone === 'none' ? 0.1 : 0.8 };
}

/**
 * Feeds the engine `seconds` of frames at 5 fps; `scene(t)` gives the tracks at t seconds from the
 * start. Returns every event, with times relative to T0 in seconds for readable assertions.
 */
function play(engine: BehaviourEngine, seconds: number, scene: (t: number) => TrackView[], fromSeconds = 0): BehaviourEvent[] {
  const events: BehaviourEvent[] = [];
  for (let i = Math.round(fromSeconds * FPS); i < Math.round(seconds * FPS); i++) {
    const t = i / FPS;
    events.push(...engine.evaluate({ atMs: T0 + i * (1000 / FPS), width: WIDTH, height: HEIGHT, tracks: scene(t) }));
  }
  return events;
}

const sec = (ms: number | undefined): number => ((ms ?? NaN) - T0) / 1000;
const ofType = (events: BehaviourEvent[], type: BehaviourEvent['type']): BehaviourEvent[] => events.filter((e) => e.type === type);

function engineFor(...zones: ZoneConfig[]): BehaviourEngine {
  return new BehaviourEngine({ id: 'cam1', zones });
}

describe('emoney_lingering', () => {
  it('someone standing 70 s at the rack (dwell 60 s) gives one event: start at ~60 s, end after leaving + gap', () => {
    const events = play(engineFor(RACK), 80, (t) => (t < 70 ? [person(1, 450, 400)] : []));
    const [start] = ofType(events, 'start');
    const [end] = ofType(events, 'end');
    expect(ofType(events, 'start')).toHaveLength(1);
    expect(ofType(events, 'end')).toHaveLength(1);
    expect(new Set(events.map((e) => e.eventKey)).size).toBe(1);
    expect(start).toMatchObject({ behaviour: 'emoney_lingering', severity: 'medium', cameraId: 'cam1', zoneId: 'rack', zoneKind: 'emoney_rack', trackId: 1 });
    expect(start!.atmId).toBeUndefined();
    expect(sec(start!.atMs)).toBeCloseTo(60, 0);
    expect(start!.startedAtMs).toBe(start!.atMs);
    expect(start!.dwellSeconds).toBeCloseTo(60, 0);
    expect(sec(end!.atMs)).toBeCloseTo(70 + DEFAULT_BEHAVIOUR_OPTIONS.gapMs / 1000, 0);
    expect(sec(end!.endedAtMs)).toBeCloseTo(69.8, 6);
    expect(end!.dwellSeconds).toBeCloseTo(70, 0);
    expect(end!.box).toEqual([410, 200, 490, 400]);
  });

  it('people walking through the rack zone in a few seconds each give no event', () => {
    // Four people cross the zone left to right at 80 px/s (about 3 s inside), one every 4 s, two at once at the end.
    const walker = (id: number, t0: number, t: number, y = 400): TrackView[] => {
      const x = 280 + 80 * (t - t0);
      return t >= t0 && x < 640 ? [person(id, x, y)] : [];
    };
    const events = play(engineFor(RACK), 40, (t) => [
      ...walker(1, 0, t), ...walker(2, 4, t), ...walker(3, 8, t), ...walker(4, 12, t), ...walker(5, 20, t, 350), ...walker(6, 20.4, t, 440),
    ]);
    expect(events).toEqual([]);
  });

  it('keeps one event and a continuous dwell when the track id changes twice mid-way', () => {
    // Lost for 1 s at 30 s and at 55 s; re-found a little off with a new id each time.
    const scene = (t: number): TrackView[] => {
      if (t < 30) return [person(1, 450, 400)];
      if (t < 31) return [person(1, 450, 400, 'none', 'lost')];
      if (t < 55) return [person(2, 462, 405)];
      if (t < 56) return [];
      if (t < 90) return [person(3, 445, 396)];
      return [];
    };
    const events = play(engineFor(RACK), 100, scene);
    expect(ofType(events, 'start')).toHaveLength(1);
    expect(ofType(events, 'end')).toHaveLength(1);
    expect(new Set(events.map((e) => e.eventKey)).size).toBe(1);
    const [start] = ofType(events, 'start');
    const [end] = ofType(events, 'end');
    expect(sec(start!.atMs)).toBeCloseTo(60, 0);
    expect(start).toMatchObject({ trackId: 3, trackIds: [1, 2, 3] });
    expect(end!.dwellSeconds).toBeCloseTo(90, 0);
  });

  it('a person lost for longer than the gap who comes back is a new episode', () => {
    const scene = (t: number): TrackView[] => (t < 70 || t >= 73 ? [person(t < 70 ? 1 : 2, 450, 400)] : []);
    const events = play(engineFor(RACK), 140, scene);
    const starts = ofType(events, 'start');
    expect(starts).toHaveLength(2);
    expect(starts[0]!.eventKey).not.toBe(starts[1]!.eventKey);
    expect(sec(starts[1]!.atMs)).toBeCloseTo(133, 0);
    expect(starts[1]).toMatchObject({ trackIds: [2] });
    expect(starts[1]!.dwellSeconds).toBeCloseTo(60, 0);
    expect(ofType(events, 'end')).toHaveLength(1);
  });

  it('dwell before a gap longer than gapMs does not count towards the threshold', () => {
    const scene = (t: number): TrackView[] => (t < 40 || t >= 43 ? [person(t < 40 ? 1 : 2, 450, 400)] : []);
    expect(play(engineFor(RACK), 95, scene)).toEqual([]);
  });

  it('escalates to high once when the lingering person takes a call', () => {
    const phone = (t: number): PhoneState => (t >= 70 && t < 80 ? 'call' : 'none');
    const events = play(engineFor(RACK), 95, (t) => (t < 90 ? [person(1, 450, 400, phone(t))] : []));
    expect(ofType(events, 'start')).toMatchObject([{ severity: 'medium' }]);
    const firstHigh = events.findIndex((e) => e.severity === 'high');
    expect(events[firstHigh]).toMatchObject({ type: 'update', phone: 'call' });
    expect(sec(events[firstHigh]!.atMs)).toBeCloseTo(70, 6);
    // Severity never drops back, so exactly one medium → high step.
    expect(events.slice(firstHigh).every((e) => e.severity === 'high')).toBe(true);
    expect(ofType(events, 'end')).toMatchObject([{ severity: 'high' }]);
  });

  it('starts high when the phone was in use at the rack before the dwell threshold', () => {
    const events = play(engineFor(RACK), 65, (t) => [person(1, 450, 400, t >= 10 && t < 20 ? 'hand' : 'none')]);
    expect(ofType(events, 'start')).toMatchObject([{ severity: 'high' }]);
  });
});

describe('phone_at_atm', () => {
  const atAtm = (phone: (t: number) => PhoneState) => (t: number): TrackView[] => (t < 20 ? [person(1, 150, 420, phone(t))] : []);

  it('a call held for 10 s gives one high event starting ~3 s in', () => {
    const events = play(engineFor(ATM), 25, atAtm((t) => (t >= 5 && t < 15 ? 'call' : 'none')));
    expect(events.map((e) => e.type).filter((t) => t !== 'update')).toEqual(['start', 'end']);
    const [start] = ofType(events, 'start');
    const [end] = ofType(events, 'end');
    expect(start).toMatchObject({ behaviour: 'phone_at_atm', severity: 'high', zoneKind: 'atm', atmId: 'A1', phone: 'call' });
    expect(sec(start!.atMs)).toBeCloseTo(8, 6);
    // The call stops at 15 s: the event ends once it has been off for the gap.
    expect(sec(end!.endedAtMs)).toBeCloseTo(14.8, 6);
    expect(sec(end!.atMs)).toBeCloseTo(17, 0);
    expect(end!.dwellSeconds).toBeGreaterThan(16);
  });

  it('the same scene without a phone gives no event', () => {
    expect(play(engineFor(ATM), 25, atAtm(() => 'none'))).toEqual([]);
  });

  it('a phone in the hand is medium, raised to high by a later call', () => {
    const events = play(engineFor(ATM), 25, atAtm((t) => (t < 6 ? 'hand' : t < 12 ? 'call' : 'none')));
    expect(ofType(events, 'start')).toMatchObject([{ severity: 'medium', phone: 'hand' }]);
    const escalation = ofType(events, 'update').find((e) => e.severity === 'high');
    expect(sec(escalation?.atMs)).toBeCloseTo(6, 6);
    expect(ofType(events, 'end')).toMatchObject([{ severity: 'high' }]);
  });

  it('a phone flickering call/none every frame does not start and end repeatedly', () => {
    const events = play(engineFor(ATM), 60, (t) => (t < 50 ? [person(1, 150, 420, Math.round(t * FPS) % 2 ? 'call' : 'none')] : []));
    expect(ofType(events, 'start').length).toBeLessThanOrEqual(1);
    expect(ofType(events, 'end')).toHaveLength(ofType(events, 'start').length);
  });

  it('flicker after the event started keeps the one event open until the person leaves', () => {
    const phone = (t: number): PhoneState => (t < 10 ? 'call' : Math.round(t * FPS) % 2 ? 'call' : 'none');
    const events = play(engineFor(ATM), 40, (t) => (t < 30 ? [person(1, 150, 420, phone(t))] : []));
    expect(ofType(events, 'start')).toHaveLength(1);
    expect(ofType(events, 'end')).toHaveLength(1);
    expect(sec(ofType(events, 'end')[0]!.atMs)).toBeCloseTo(32, 0);
  });

  it('an occlusion shorter than the gap does not break the run towards minSeconds', () => {
    const events = play(engineFor(ATM), 10, (t) => (t >= 1 && t < 2.5 ? [] : [person(1, 150, 420, 'call')]));
    expect(sec(ofType(events, 'start')[0]?.atMs)).toBeCloseTo(3, 6);
  });

  it('throttles updates: a 60 s event emits at most 13 updates, 5 s apart', () => {
    const events = play(engineFor(ATM), 70, (t) => (t < 63 ? [person(1, 150, 420, 'call')] : []));
    const start = ofType(events, 'start')[0]!;
    const end = ofType(events, 'end')[0]!;
    expect(sec(end.endedAtMs) - sec(start.atMs)).toBeCloseTo(59.8, 6);
    const updates = ofType(events, 'update');
    expect(updates.length).toBeLessThanOrEqual(13);
    expect(updates.length).toBeGreaterThanOrEqual(11);
    const times = [start, ...updates].map((e) => e.atMs);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(DEFAULT_BEHAVIOUR_OPTIONS.updateIntervalMs);
    expect(updates.map((e) => e.dwellSeconds)).toEqual([...updates.map((e) => e.dwellSeconds)].sort((a, b) => a - b));
  });

  it('gives one event per presence: a second call by the same person after the first ended is not another event', () => {
    const phone = (t: number): PhoneState => (t < 8 || (t >= 15 && t < 25) ? 'call' : 'none');
    const events = play(engineFor(ATM), 35, (t) => (t < 30 ? [person(1, 150, 420, phone(t))] : []));
    expect(ofType(events, 'start')).toHaveLength(1);
    expect(ofType(events, 'end')).toHaveLength(1);
  });
});

describe('behaviour engine', () => {
  it('counts only confirmed tracks', () => {
    const events = play(engineFor(RACK, ATM), 70, () => [person(1, 450, 400, 'none', 'tentative'), person(2, 150, 420, 'call', 'lost')]);
    expect(events).toEqual([]);
  });

  it('ignores zones no behaviour looks at', () => {
    const register = zoneSchema.parse({ id: 'reg', kind: 'register', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] });
    expect(play(engineFor(register), 70, () => [person(1, 450, 400, 'call')])).toEqual([]);
  });

  it('watches several zones and people independently', () => {
    const events = play(engineFor(RACK, ATM), 70, (t) => [person(1, 450, 400), person(2, 150, 420, t >= 20 && t < 30 ? 'call' : 'none')]);
    expect(ofType(events, 'start').map((e) => [e.behaviour, e.trackId])).toEqual([['phone_at_atm', 2], ['emoney_lingering', 1]]);
  });

  it('flush() ends open events, and the next frames start afresh', () => {
    const engine = engineFor(RACK);
    const before = play(engine, 70, () => [person(1, 450, 400)]);
    const flushed = engine.flush(T0 + 70_000);
    expect(flushed).toMatchObject([{ type: 'end', eventKey: ofType(before, 'start')[0]!.eventKey }]);
    expect(sec(flushed[0]!.endedAtMs)).toBeCloseTo(69.8, 6);
    expect(engine.flush(T0 + 70_000)).toEqual([]);
    expect(play(engine, 80, () => [person(1, 450, 400)], 70)).toEqual([]);
  });

  it('a clock stepping back ends open episodes instead of producing negative dwell', () => {
    const engine = engineFor(RACK);
    play(engine, 70, () => [person(1, 450, 400)]);
    const events = engine.evaluate({ atMs: T0, width: WIDTH, height: HEIGHT, tracks: [person(1, 450, 400)] });
    expect(events).toMatchObject([{ type: 'end' }]);
    expect(play(engine, 30, () => [person(1, 450, 400)], 0.2)).toEqual([]);
  });

  it('keys episodes uniquely per camera', () => {
    const engine = new BehaviourEngine({ id: 'cam9', zones: [RACK] }, { updateIntervalMs: 1000 });
    const events = play(engine, 200, (t) => (t % 70 < 65 ? [person(Math.floor(t / 70) + 1, 450, 400)] : []));
    const keys = ofType(events, 'start').map((e) => e.eventKey);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(2);
    expect(keys[0]).toMatch(/^cam9:rack:emoney_lingering:/);
  });
});
