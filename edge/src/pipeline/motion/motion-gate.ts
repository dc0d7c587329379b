/**
 * Decides, frame by frame, whether a camera's frame goes to the detector. It goes when:
 * - gating is off (`off`);
 * - any track is live, tentative and lost ones included (`track`): a person being followed is
 *   followed at the full rate, whether they move or not;
 * - the motion check sees motion or a scene change (`motion`): someone moving into view is
 *   analysed from the first frame in which they move;
 * - an idle sweep is due (`sweep`): at most `idleFps` frames per second otherwise, so a person who
 *   appears without being seen to move (they merged into the background, the camera restarted)
 *   is still found within one idle period.
 * Otherwise the frame is `gated`. Time is the frames' media time, like the tracker's.
 */
import type { CameraConfig } from '../../config/schema.js';
import type { RgbFrame } from '../types.js';
import { MotionDetector, type MotionReading } from './motion-detector.js';

export type GateVerdict = 'off' | 'track' | 'motion' | 'sweep' | 'gated';

export type GateOptions = Pick<CameraConfig['analysis'], 'idleFps' | 'motion'>;

export class MotionGate {
  private readonly detector: MotionDetector | null;
  private readonly sweepMs: number;
  /** Media time of the last frame let through, for the idle sweeps. */
  private lastSentMs: number | null = null;
  private lastPtsMs: number | null = null;
  /** The motion check of the last frame (null with gating off, or before the first frame). */
  reading: MotionReading | null = null;

  constructor(options: GateOptions) {
    if (!(options.idleFps > 0)) throw new RangeError(`MotionGate: idleFps must be > 0, got ${options.idleFps}`);
    this.detector = options.motion.enabled ? new MotionDetector(options.motion) : null;
    this.sweepMs = 1000 / options.idleFps;
  }

  /** Call once per frame, in order; `liveTrack`: whether the tracker holds any track from the frames before. */
  check(frame: RgbFrame, ptsMs: number, liveTrack: boolean): GateVerdict {
    const verdict = this.decide(frame, ptsMs, liveTrack);
    if (verdict !== 'gated') this.lastSentMs = ptsMs;
    this.lastPtsMs = ptsMs;
    return verdict;
  }

  private decide(frame: RgbFrame, ptsMs: number, liveTrack: boolean): GateVerdict {
    if (this.detector === null) return 'off';
    // Measured on every frame, tracked or not, so the background is current when the track ends.
    try {
      this.reading = this.detector.observe(frame, ptsMs);
    } catch {
      // A frame too broken to measure is sent on: the analyzer rejects it with the reason, counted there.
      this.reading = null;
      return 'motion';
    }
    if (liveTrack) return 'track';
    if (this.reading.kind !== 'still') return 'motion';
    return this.sweepDue(ptsMs) ? 'sweep' : 'gated';
  }

  private sweepDue(ptsMs: number): boolean {
    const last = this.lastSentMs;
    if (last === null || ptsMs < last) return true;
    // A quarter of a frame early is on time: frame times jitter, and waiting for the next frame
    // would stretch the idle period by a whole frame.
    const slack = this.lastPtsMs === null ? 0 : Math.max(ptsMs - this.lastPtsMs, 0) / 4;
    return ptsMs - last >= this.sweepMs - slack;
  }
}
