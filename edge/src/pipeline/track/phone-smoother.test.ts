import { describe, expect, it } from 'vitest';
import type { PhoneState } from '../types.js';
import { DEFAULT_TRACKER_OPTIONS } from './person-tracker.js';
import { PhoneSmoother } from './phone-smoother.js';

const FRAME_MS = 200; // 5 fps

/** Feeds one verdict per frame from `startMs`; returns the smoothed state after each frame. */
function feed(s: PhoneSmoother, verdicts: PhoneState[], startMs = 0): PhoneState[] {
  return verdicts.map((v, i) => {
    s.observe(v, startMs + i * FRAME_MS, FRAME_MS);
    return s.state;
  });
}
const repeat = (v: PhoneState, n: number): PhoneState[] => new Array<PhoneState>(n).fill(v);
const alternate = (a: PhoneState, b: PhoneState, n: number): PhoneState[] => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? a : b));
const changes = (states: PhoneState[]): number => states.filter((s, i) => i > 0 && s !== states[i - 1]).length;

describe('PhoneSmoother', () => {
  it('enters call only after sustained evidence, about 1.4 s at the defaults', () => {
    const s = new PhoneSmoother(DEFAULT_TRACKER_OPTIONS);
    const states = feed(s, repeat('call', 15));
    const firstCall = states.indexOf('call');
    expect(firstCall * FRAME_MS).toBeGreaterThanOrEqual(1200);
    expect(firstCall * FRAME_MS).toBeLessThanOrEqual(1600);
    expect(states.slice(firstCall).every((x) => x === 'call')).toBe(true);
    expect(s.score).toBeGreaterThan(0.6);
  });

  it('leaves call after sustained absence, not at the first frame without it', () => {
    const s = new PhoneSmoother(DEFAULT_TRACKER_OPTIONS);
    feed(s, repeat('call', 25));
    expect(s.state).toBe('call');
    const after = feed(s, repeat('none', 15), 25 * FRAME_MS);
    const firstNone = after.indexOf('none');
    expect(firstNone * FRAME_MS).toBeGreaterThanOrEqual(600);
    expect(firstNone * FRAME_MS).toBeLessThanOrEqual(1400);
    expect(after.slice(firstNone).every((x) => x === 'none')).toBe(true);
  });

  it('does not flicker when the per-frame verdict alternates call/none at 5 fps', () => {
    const fromNone = feed(new PhoneSmoother(DEFAULT_TRACKER_OPTIONS), alternate('call', 'none', 50));
    expect(new Set(fromNone)).toEqual(new Set(['none']));

    const s = new PhoneSmoother(DEFAULT_TRACKER_OPTIONS);
    feed(s, repeat('call', 25));
    const fromCall = feed(s, alternate('none', 'call', 50), 25 * FRAME_MS);
    expect(new Set(fromCall)).toEqual(new Set(['call']));
  });

  it('holds a phone in hand steadily when the verdict flickers between call and hand', () => {
    const states = feed(new PhoneSmoother(DEFAULT_TRACKER_OPTIONS), alternate('call', 'hand', 50));
    expect(states.at(-1)).toBe('hand');
    expect(changes(states)).toBe(1);
  });

  it('goes from call to hand when the phone comes down from the ear but stays in the hand', () => {
    const s = new PhoneSmoother(DEFAULT_TRACKER_OPTIONS);
    feed(s, repeat('call', 25));
    const after = feed(s, repeat('hand', 15), 25 * FRAME_MS);
    expect(after[0]).toBe('call');
    expect(after.at(-1)).toBe('hand');
    expect(after).not.toContain('none');
  });

  it('lets one observation after a long gap stand for at most phoneMaxStepMs', () => {
    const s = new PhoneSmoother(DEFAULT_TRACKER_OPTIONS);
    feed(s, repeat('call', 25));
    s.observe('none', 25 * FRAME_MS + 10_000, 10_000);
    // Uncapped, 10 s would have wiped the history (share ≈ 0); capped at 500 ms it keeps ~61 %.
    expect(s.state).toBe('call');
    expect(s.score).toBeGreaterThan(0.55);
  });
});
