import { describe, expect, it } from 'vitest';
import type { Box, PhoneState } from '../types.js';
import { DEFAULT_TRACKER_OPTIONS, PersonTracker } from './person-tracker.js';
import type { Track, TrackInput } from './types.js';

const FRAME_MS = 200; // 5 fps, the pipeline's analysis rate

const boxAt = (cx: number, cy: number, w = 100, h = 200): Box => [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
const person = (box: Box, score = 0.9, phone: PhoneState = 'none', phoneScore = 0.2): TrackInput => ({ box, score, phone, phoneScore });
const centreX = (t: Track): number => (t.box[0] + t.box[2]) / 2;
const byId = (tracks: Track[], id: number): Track | undefined => tracks.find((t) => t.id === id);
const confirmed = (tracks: Track[]): Track[] => tracks.filter((t) => t.state === 'confirmed');

describe('PersonTracker', () => {
  it('exports its defaults', () => {
    expect(DEFAULT_TRACKER_OPTIONS).toMatchObject({
      highThreshold: 0.5, lowThreshold: 0.1, minHits: 2, maxLostMs: 1500, phoneEnter: 0.6, phoneExit: 0.35,
    });
    expect(new PersonTracker({ minHits: 3 }).options.minHits).toBe(3);
  });

  it('confirms a person after minHits consecutive frames and keeps one id', () => {
    const tracker = new PersonTracker();
    const first = tracker.update([person(boxAt(200, 200))], 0);
    expect(first).toMatchObject([{ id: 1, state: 'tentative', hits: 1, firstSeenMs: 0, lastSeenMs: 0, detectionIndex: 0 }]);
    for (let i = 1; i < 10; i++) {
      const tracks = tracker.update([person(boxAt(200 + 5 * i, 200))], i * FRAME_MS);
      expect(tracks).toHaveLength(1);
      expect(tracks[0]).toMatchObject({ id: 1, state: 'confirmed', hits: i + 1, firstSeenMs: 0, lastSeenMs: i * FRAME_MS });
    }
  });

  it('keeps the ids of two people crossing paths, with the detections in either order', () => {
    const tracker = new PersonTracker();
    // A walks right, B walks left, 20 px per frame (100 px/s); their boxes coincide at frame 10.
    const frames = 21;
    let idA = 0;
    let idB = 0;
    for (let i = 0; i < frames; i++) {
      const a = person(boxAt(100 + 20 * i, 300));
      const b = person(boxAt(500 - 20 * i, 305));
      const tracks = tracker.update(i % 2 === 0 ? [a, b] : [b, a], i * FRAME_MS);
      if (i === 1) {
        const [left, right] = [...tracks].sort((p, q) => centreX(p) - centreX(q));
        idA = left!.id;
        idB = right!.id;
      }
      if (i >= 1) {
        expect(confirmed(tracks)).toHaveLength(2);
        expect(Math.abs(centreX(byId(tracks, idA)!) - (100 + 20 * i))).toBeLessThan(10);
        expect(Math.abs(centreX(byId(tracks, idB)!) - (500 - 20 * i))).toBeLessThan(10);
      }
    }
    expect(new Set([idA, idB])).toEqual(new Set([1, 2]));
  });

  it('keeps ids when one of two crossing people is hidden behind the other for a few frames', () => {
    const tracker = new PersonTracker();
    let idA = 0;
    let idB = 0;
    let tracks: Track[] = [];
    for (let i = 0; i <= 20; i++) {
      const a = person(boxAt(100 + 20 * i, 300));
      const b = person(boxAt(500 - 20 * i, 300));
      // Around the crossing (frames 8–12) the detector sees only the person in front, A.
      tracks = tracker.update(i >= 8 && i <= 12 ? [a] : [b, a], i * FRAME_MS);
      if (i === 1) {
        idA = tracks.find((t) => centreX(t) < 300)!.id;
        idB = tracks.find((t) => centreX(t) > 300)!.id;
      }
      if (i >= 8 && i <= 12) {
        expect(byId(tracks, idA)?.state).toBe('confirmed');
        expect(byId(tracks, idB)?.state).toBe('lost');
      }
    }
    expect(idA).not.toBe(idB);
    expect(confirmed(tracks)).toHaveLength(2);
    expect(tracks).toHaveLength(2);
    // A (moving right) ends on the right moving right, B on the left moving left.
    expect(Math.abs(centreX(byId(tracks, idA)!) - 500)).toBeLessThan(10);
    expect(Math.abs(centreX(byId(tracks, idB)!) - 100)).toBeLessThan(10);
    expect(byId(tracks, idA)!.velocity[0]).toBeGreaterThan(50);
    expect(byId(tracks, idB)!.velocity[0]).toBeLessThan(-50);
  });

  it('keeps the id through a short occlusion when the person reappears near the predicted position', () => {
    const tracker = new PersonTracker();
    const x = (i: number): number => 100 + 20 * i; // 100 px/s
    for (let i = 0; i <= 5; i++) tracker.update([person(boxAt(x(i), 300))], i * FRAME_MS);
    for (let i = 6; i <= 9; i++) {
      const tracks = tracker.update([], i * FRAME_MS);
      expect(tracks).toHaveLength(1);
      expect(tracks[0]).toMatchObject({ id: 1, state: 'lost', lastSeenMs: 5 * FRAME_MS, rawPhone: null, detectionIndex: null });
      // The lost box keeps moving with the person rather than waiting where it was last seen.
      expect(Math.abs(centreX(tracks[0]!) - x(i))).toBeLessThan(15);
    }
    // At frame 10 the person is 100 px past the last sighting: IoU with the last seen box is 0.33,
    // with the predicted one near 1.
    const back = tracker.update([person(boxAt(x(10), 300))], 10 * FRAME_MS);
    expect(back).toMatchObject([{ id: 1, state: 'confirmed', hits: 7 }]);
  });

  it('gives a new id to a person who was gone for longer than maxLostMs', () => {
    const tracker = new PersonTracker();
    for (let i = 0; i <= 5; i++) tracker.update([person(boxAt(200, 300))], i * FRAME_MS);
    let t = 5 * FRAME_MS;
    let tracks: Track[] = [];
    while (t < 5 * FRAME_MS + 1600) {
      t += FRAME_MS;
      tracks = tracker.update([], t);
    }
    expect(tracks).toEqual([]);
    const back = tracker.update([person(boxAt(200, 300))], t + FRAME_MS);
    expect(back).toMatchObject([{ id: 2, state: 'tentative' }]);
  });

  it('gives a new id after a gap longer than maxLostMs even when no frames arrived in between', () => {
    const tracker = new PersonTracker();
    for (let i = 0; i <= 5; i++) tracker.update([person(boxAt(200, 300))], i * FRAME_MS);
    const back = tracker.update([person(boxAt(200, 300))], 5 * FRAME_MS + 1600);
    expect(back).toMatchObject([{ id: 2, state: 'tentative' }]);
    const within = new PersonTracker();
    for (let i = 0; i <= 5; i++) within.update([person(boxAt(200, 300))], i * FRAME_MS);
    expect(within.update([person(boxAt(200, 300))], 5 * FRAME_MS + 1400)).toMatchObject([{ id: 1, state: 'confirmed' }]);
  });

  it('never confirms a single spurious detection', () => {
    const tracker = new PersonTracker();
    const seen = new Map<number, Track['state'][]>();
    for (let i = 0; i < 30; i++) {
      // A real person standing still, plus one-frame false detections far apart every third frame.
      const people = [person(boxAt(150, 300))];
      if (i % 3 === 0) people.push(person(boxAt(400 + ((i * 37) % 200), 100 + ((i * 53) % 200), 60, 120), 0.95));
      for (const t of tracker.update(people, i * FRAME_MS)) seen.set(t.id, [...(seen.get(t.id) ?? []), t.state]);
    }
    const [real, ...spurious] = [...seen.entries()];
    expect(real![1].filter((s) => s === 'confirmed')).toHaveLength(29);
    expect(spurious).toHaveLength(10);
    for (const [, states] of spurious) expect(states).toEqual(['tentative']);
  });

  it('keeps a confirmed track alive on low-score detections but never starts one from them', () => {
    const tracker = new PersonTracker({ highThreshold: 0.5, lowThreshold: 0.2 });
    for (let i = 0; i < 3; i++) tracker.update([person(boxAt(200, 300), 0.8)], i * FRAME_MS);
    for (let i = 3; i < 20; i++) {
      // The person is half hidden (score 0.3); a low-score ghost elsewhere is ignored.
      const tracks = tracker.update([person(boxAt(205, 300), 0.3), person(boxAt(500, 300), 0.3)], i * FRAME_MS);
      expect(tracks).toMatchObject([{ id: 1, state: 'confirmed', score: 0.3, detectionIndex: 0 }]);
    }
    const lowOnly = new PersonTracker();
    for (let i = 0; i < 10; i++) expect(lowOnly.update([person(boxAt(200, 300), 0.45)], i * FRAME_MS)).toEqual([]);
    // Below lowThreshold nothing is used at all.
    const tracks = tracker.update([person(boxAt(205, 300), 0.1)], 20 * FRAME_MS);
    expect(tracks).toMatchObject([{ id: 1, state: 'lost' }]);
  });

  it('does not revive a lost track or grow a tentative one from low-score detections', () => {
    const tracker = new PersonTracker();
    for (let i = 0; i < 3; i++) tracker.update([person(boxAt(200, 300), 0.8)], i * FRAME_MS);
    tracker.update([], 3 * FRAME_MS);
    expect(tracker.update([person(boxAt(200, 300), 0.3)], 4 * FRAME_MS)).toMatchObject([{ id: 1, state: 'lost' }]);

    const fresh = new PersonTracker();
    fresh.update([person(boxAt(200, 300), 0.8)], 0);
    expect(fresh.update([person(boxAt(200, 300), 0.3)], FRAME_MS)).toEqual([]);
  });

  it('smooths the phone state per track: alternating call/none never flickers, sustained call enters and leaves', () => {
    const tracker = new PersonTracker();
    const states: PhoneState[] = [];
    let t = 0;
    const step = (phone: PhoneState): Track => {
      const [track] = tracker.update([person(boxAt(200, 300), 0.9, phone, 0.8)], t);
      t += FRAME_MS;
      expect(track!.id).toBe(1);
      expect(track!.rawPhone).toBe(phone);
      states.push(track!.phone);
      return track!;
    };
    for (let i = 0; i < 40; i++) step(i % 2 === 0 ? 'call' : 'none');
    expect(new Set(states)).toEqual(new Set(['none']));

    states.length = 0;
    for (let i = 0; i < 15; i++) step('call');
    const entered = states.indexOf('call');
    expect(entered).toBeGreaterThanOrEqual(4); // not before ~1 s of evidence
    expect(entered).toBeLessThanOrEqual(10);
    expect(states.slice(entered).every((s) => s === 'call')).toBe(true);

    states.length = 0;
    for (let i = 0; i < 40; i++) step(i % 2 === 0 ? 'none' : 'call');
    expect(new Set(states)).toEqual(new Set(['call']));

    states.length = 0;
    for (let i = 0; i < 15; i++) step('none');
    const left = states.indexOf('none');
    expect(left).toBeGreaterThanOrEqual(2);
    expect(left).toBeLessThanOrEqual(8);
    expect(states.slice(left).every((s) => s === 'none')).toBe(true);
  });

  it('leaves the phone state unchanged while the person is not detected', () => {
    const tracker = new PersonTracker();
    let last: Track | undefined;
    for (let i = 0; i < 20; i++) [last] = tracker.update([person(boxAt(200, 300), 0.9, 'call', 0.8)], i * FRAME_MS);
    expect(last).toMatchObject({ phone: 'call' });
    const score = last!.phoneScore;
    for (let i = 20; i < 26; i++) {
      const [lost] = tracker.update([], i * FRAME_MS);
      expect(lost).toMatchObject({ id: 1, state: 'lost', phone: 'call', rawPhone: null });
      expect(lost!.phoneScore).toBe(score);
    }
  });

  it('predicts sensibly across irregular frame intervals (100 ms frames, then a 400 ms gap)', () => {
    const tracker = new PersonTracker();
    const x = (ms: number): number => 100 + 0.3 * ms; // 300 px/s
    let ms = 0;
    for (; ms <= 1000; ms += 100) tracker.update([person(boxAt(x(ms), 300))], ms);
    // A frame 400 ms later in which the detector misses the person: the lost box is where the
    // person really is, 120 px on, not 30 px (one "frame") on.
    const [lost] = tracker.update([], 1400);
    expect(lost).toMatchObject({ id: 1, state: 'lost' });
    expect(Math.abs(centreX(lost!) - x(1400))).toBeLessThan(12);
    expect(lost!.velocity[0]).toBeGreaterThan(250);
    // Then a 100 ms frame with the person 150 px past the last sighting: no overlap with the last
    // seen box (100 px wide), so only the prediction can keep the id.
    const back = tracker.update([person(boxAt(x(1500), 300))], 1500);
    expect(back).toMatchObject([{ id: 1, state: 'confirmed' }]);
  });

  it('restarts ids at 1 on reset()', () => {
    const tracker = new PersonTracker();
    for (let i = 0; i < 3; i++) tracker.update([person(boxAt(100, 300)), person(boxAt(400, 300))], i * FRAME_MS);
    expect(tracker.update([person(boxAt(700, 300))], 3 * FRAME_MS).map((t) => t.id)).toEqual([1, 2, 3]);
    tracker.reset();
    expect(tracker.update([], 4 * FRAME_MS)).toEqual([]);
    expect(tracker.update([person(boxAt(700, 300))], 5 * FRAME_MS)).toMatchObject([{ id: 1, state: 'tentative' }]);
  });

  it('ends tracks but keeps counting ids when media time goes backwards', () => {
    const tracker = new PersonTracker();
    for (let i = 0; i < 3; i++) tracker.update([person(boxAt(100, 300))], 10_000 + i * FRAME_MS);
    const restarted = tracker.update([person(boxAt(100, 300))], 0);
    expect(restarted).toMatchObject([{ id: 2, state: 'tentative', firstSeenMs: 0 }]);
  });

  it('rejects inconsistent options and non-finite times', () => {
    expect(() => new PersonTracker({ lowThreshold: 0.6, highThreshold: 0.5 })).toThrow(RangeError);
    expect(() => new PersonTracker({ phoneExit: 0.7 })).toThrow(/phoneExit/);
    expect(() => new PersonTracker({ minHits: 0 })).toThrow(/minHits/);
    expect(() => new PersonTracker().update([], Number.NaN)).toThrow(RangeError);
  });
});
