/**
 * Per-camera person tracker: per-frame detections in, tracks with ids stable across frames out.
 *
 * ByteTrack-style association, every frame:
 *  1. drop tracks unseen for longer than `maxLostMs`, then move every track's Kalman box forward
 *     by the media time since the previous frame (see kalman-box.ts);
 *  2. match high-score detections (≥ `highThreshold`) to all tracks by IoU ≥ `matchIou`;
 *  3. match low-score detections (≥ `lowThreshold`) to the confirmed tracks still unmatched that
 *     were seen in the previous frame, by IoU ≥ `lowMatchIou`: a person half hidden behind another
 *     or the ATM scores low but is still there. Low scores never start or revive a track, since
 *     on their own they are mostly clutter;
 *  4. unmatched high-score detections start tentative tracks; a tentative track is confirmed after
 *     `minHits` consecutive matched frames and dropped on its first miss, so a single spurious
 *     detection never becomes a confirmed track; an unmatched confirmed track becomes lost.
 * Both matching stages use the optimal assignment (Hungarian), not greedy best-IoU.
 *
 * Privacy: ids are only a counter per tracker; there are no appearance features, so a person who
 * leaves for longer than `maxLostMs` gets a new id, and `reset()` (daily) restarts ids at 1.
 *
 * Time is the frames' media time (`ptsMs`); if it goes backwards (the source restarted) the
 * existing tracks cannot be predicted and are ended, while ids keep counting up.
 */
import type { Box } from '../types.js';
import { associateByIou } from './associate.js';
import { KalmanBox } from './kalman-box.js';
import { PhoneSmoother } from './phone-smoother.js';
import type { Track, TrackerOptions, TrackInput } from './types.js';

export const DEFAULT_TRACKER_OPTIONS: Readonly<TrackerOptions> = Object.freeze({
  highThreshold: 0.5,
  lowThreshold: 0.1,
  matchIou: 0.2,
  lowMatchIou: 0.5,
  minHits: 2,
  maxLostMs: 1500,
  measurementNoise: 0.05,
  processNoise: 0.5,
  initialVelocityStd: 1,
  phoneTauMs: 1000,
  phoneEnter: 0.6,
  phoneMinEnterMs: 500,
  phoneExit: 0.35,
  phoneMaxStepMs: 500,
});

interface TrackRecord {
  id: number;
  motion: KalmanBox;
  phone: PhoneSmoother;
  score: number;
  rawPhone: Track['rawPhone'];
  detectionIndex: number | null;
  firstSeenMs: number;
  lastSeenMs: number;
  hits: number;
  confirmed: boolean;
}

export class PersonTracker {
  readonly options: Readonly<TrackerOptions>;
  private tracks: TrackRecord[] = [];
  private nextId = 1;
  private lastPtsMs: number | null = null;

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_TRACKER_OPTIONS, ...options });
    checkOptions(this.options);
  }

  /** Adds one frame's detected people seen at media time `ptsMs`; returns every live track, by id. */
  update(people: readonly TrackInput[], ptsMs: number): Track[] {
    const o = this.options;
    if (!Number.isFinite(ptsMs)) throw new RangeError(`PersonTracker.update: ptsMs must be finite, got ${ptsMs}`);
    const previousPtsMs = this.lastPtsMs;
    if (previousPtsMs !== null && ptsMs < previousPtsMs) this.tracks = [];
    const frameStepMs = previousPtsMs === null ? 0 : Math.max(ptsMs - previousPtsMs, 0);
    this.lastPtsMs = ptsMs;

    this.tracks = this.tracks.filter((t) => ptsMs - t.lastSeenMs <= o.maxLostMs);
    for (const t of this.tracks) {
      t.motion.predict(frameStepMs);
      t.rawPhone = null;
      t.detectionIndex = null;
    }

    const high: number[] = [];
    const low: number[] = [];
    people.forEach((p, i) => {
      if (p.score >= o.highThreshold) high.push(i);
      else if (p.score >= o.lowThreshold) low.push(i);
    });
    const boxOf = (i: number): Box => people[i]!.box;

    const predicted = this.tracks.map((t) => t.motion.box());
    const first = associateByIou(predicted, high.map(boxOf), o.matchIou);
    for (const [t, d] of first.matches) this.observe(this.tracks[t]!, people, high[d]!, ptsMs);

    const seenLastFrame = first.unmatchedTracks.filter((t) => {
      const track = this.tracks[t]!;
      return track.confirmed && track.lastSeenMs === previousPtsMs;
    });
    const second = associateByIou(seenLastFrame.map((t) => predicted[t]!), low.map(boxOf), o.lowMatchIou);
    for (const [t, d] of second.matches) this.observe(this.tracks[seenLastFrame[t]!]!, people, low[d]!, ptsMs);

    // A tentative track must be matched in consecutive frames, so its first miss ends it.
    this.tracks = this.tracks.filter((t) => t.confirmed || t.lastSeenMs === ptsMs);

    for (const d of first.unmatchedDetections) this.start(people, high[d]!, ptsMs, frameStepMs);

    return this.tracks.map((t) => this.view(t, ptsMs));
  }

  /** Forgets every track and restarts ids at 1 (the daily reset: ids are per camera per day). */
  reset(): void {
    this.tracks = [];
    this.nextId = 1;
    this.lastPtsMs = null;
  }

  private observe(track: TrackRecord, people: readonly TrackInput[], index: number, ptsMs: number): void {
    const person = people[index]!;
    track.motion.update(person.box);
    track.phone.observe(person.phone, ptsMs, ptsMs - track.lastSeenMs);
    track.score = person.score;
    track.rawPhone = person.phone;
    track.detectionIndex = index;
    track.lastSeenMs = ptsMs;
    track.hits += 1;
    if (track.hits >= this.options.minHits) track.confirmed = true;
  }

  private start(people: readonly TrackInput[], index: number, ptsMs: number, frameStepMs: number): void {
    const person = people[index]!;
    const phone = new PhoneSmoother(this.options);
    // A new person's first verdict stands for one frame interval, like every later one.
    phone.observe(person.phone, ptsMs, frameStepMs);
    this.tracks.push({
      id: this.nextId++,
      motion: new KalmanBox(person.box, this.options),
      phone,
      score: person.score,
      rawPhone: person.phone,
      detectionIndex: index,
      firstSeenMs: ptsMs,
      lastSeenMs: ptsMs,
      hits: 1,
      confirmed: this.options.minHits <= 1,
    });
  }

  private view(t: TrackRecord, ptsMs: number): Track {
    return {
      id: t.id,
      box: t.motion.box(),
      score: t.score,
      phone: t.phone.state,
      phoneScore: t.phone.score,
      rawPhone: t.rawPhone,
      detectionIndex: t.detectionIndex,
      firstSeenMs: t.firstSeenMs,
      lastSeenMs: t.lastSeenMs,
      state: !t.confirmed ? 'tentative' : t.lastSeenMs === ptsMs ? 'confirmed' : 'lost',
      hits: t.hits,
      velocity: t.motion.velocity(),
    };
  }
}

function checkOptions(o: TrackerOptions): void {
  const problems: string[] = [];
  if (!(o.lowThreshold >= 0 && o.lowThreshold <= o.highThreshold && o.highThreshold <= 1)) {
    problems.push('need 0 ≤ lowThreshold ≤ highThreshold ≤ 1');
  }
  if (!(o.matchIou >= 0 && o.matchIou <= 1 && o.lowMatchIou >= 0 && o.lowMatchIou <= 1)) {
    problems.push('matchIou and lowMatchIou must be in [0, 1]');
  }
  if (!(Number.isInteger(o.minHits) && o.minHits >= 1)) problems.push('minHits must be an integer ≥ 1');
  if (!(o.maxLostMs >= 0)) problems.push('maxLostMs must be ≥ 0');
  if (!(o.measurementNoise > 0 && o.processNoise > 0 && o.initialVelocityStd > 0)) {
    problems.push('measurementNoise, processNoise and initialVelocityStd must be > 0');
  }
  if (!(o.phoneTauMs > 0 && o.phoneMaxStepMs >= 0 && o.phoneMinEnterMs >= 0)) {
    problems.push('phoneTauMs must be > 0, phoneMaxStepMs and phoneMinEnterMs ≥ 0');
  }
  if (!(o.phoneExit < o.phoneEnter)) problems.push('phoneExit must be below phoneEnter');
  if (problems.length > 0) throw new RangeError(`PersonTracker options: ${problems.join('; ')}`);
}
