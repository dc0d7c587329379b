import { describe, expect, it } from 'vitest';
import type { Box } from '../types.js';
import type { TrackView } from './types.js';
import { ZonePresenceTracker } from './zone-presence.js';

/** A 200 px tall person standing at foot point (x, y). */
const at = (id: number, x: number, y: number): TrackView => ({
  id, box: [x - 40, y - 200, x + 40, y] as Box, state: 'confirmed', phone: 'none', phoneScore: 0,
});

const options = { gapMs: 2000, rejoinDistance: 0.5 };

describe('zone presence', () => {
  it('hands a presence to a new track found near the last foot point within the gap', () => {
    const tracker = new ZonePresenceTracker(options);
    tracker.update(0, [at(1, 400, 400)], new Set([1]));
    expect(tracker.update(1000, [], new Set()).active).toMatchObject([{ seq: 1, seen: false }]);
    const { active } = tracker.update(1800, [at(7, 450, 410)], new Set([7]));
    expect(active).toMatchObject([{ seq: 1, trackId: 7, trackIds: [1, 7], enteredAtMs: 0, seen: true }]);
  });

  it('does not hand it to a track farther than rejoinDistance box heights', () => {
    const tracker = new ZonePresenceTracker(options);
    tracker.update(0, [at(1, 400, 400)], new Set([1]));
    const { active } = tracker.update(1000, [at(2, 520, 400)], new Set([2]));
    expect(active.map((p) => [p.seq, p.trackId])).toEqual([[1, 1], [2, 2]]);
  });

  it('does not hand it over while its own track is still confirmed outside the zone', () => {
    const tracker = new ZonePresenceTracker(options);
    tracker.update(0, [at(1, 400, 400)], new Set([1]));
    const { active } = tracker.update(200, [at(2, 420, 400)], new Set([1, 2]));
    expect(active.map((p) => [p.seq, p.trackId, p.seen])).toEqual([[1, 1, false], [2, 2, true]]);
  });

  it('gives two people re-found at once their own presences back, nearest first', () => {
    const tracker = new ZonePresenceTracker(options);
    tracker.update(0, [at(1, 400, 400), at(2, 480, 400)], new Set([1, 2]));
    const { active } = tracker.update(1000, [at(4, 470, 400), at(3, 405, 400)], new Set([3, 4]));
    expect(active.map((p) => [p.seq, p.trackIds])).toEqual([[1, [1, 3]], [2, [2, 4]]]);
  });

  it('ends a presence once unseen for longer than the gap; the person then starts a new one', () => {
    const tracker = new ZonePresenceTracker(options);
    tracker.update(0, [at(1, 400, 400)], new Set([1]));
    expect(tracker.update(2000, [], new Set()).ended).toEqual([]);
    expect(tracker.update(2200, [], new Set()).ended).toMatchObject([{ seq: 1, lastSeenMs: 0 }]);
    expect(tracker.update(2400, [at(1, 400, 400)], new Set([1])).active).toMatchObject([{ seq: 2, enteredAtMs: 2400 }]);
  });
});
