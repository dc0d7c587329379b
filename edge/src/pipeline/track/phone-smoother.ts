/**
 * One person's phone state over time, so that a per-frame verdict that flickers (a hand crossing
 * the ear, a phone box found in one frame and not the next) does not make alerts flicker.
 *
 * Two shares of recent time, each an exponential moving average with time constant `phoneTauMs`
 * of a 0/1 per-frame signal, weighted by the media time the frame stands for (1 − e^(−Δt/τ)):
 *   callShare  ← [verdict is call]
 *   phoneShare ← [verdict is call or hand]   (a phone at the ear is also a phone in hand, so a
 *                                              person flickering between call and hand still has one)
 * Each share drives a latch with hysteresis: on once the share has stayed ≥ `phoneEnter` for
 * `phoneMinEnterMs`, off as soon as it falls to ≤ `phoneExit`.
 *   state = call if the call latch is on, else hand if the phone latch is on, else none.
 * Frames in which the person is not detected are not evidence either way: nothing changes.
 *
 * With the defaults (τ 1 s, enter 0.6 for 0.5 s, exit 0.35) a steady call is reported after about
 * 1.4 s and its end about 1 s after the phone comes down; a verdict alternating call/none every
 * frame keeps the share near 0.5, inside the band, so the state stays whatever it was.
 */
import type { PhoneState } from '../types.js';
import type { PhoneSmoothingOptions } from './types.js';

class HysteresisLatch {
  on = false;
  private aboveSinceMs: number | null = null;

  step(share: number, ptsMs: number, o: PhoneSmoothingOptions): void {
    this.aboveSinceMs = share >= o.phoneEnter ? (this.aboveSinceMs ?? ptsMs) : null;
    if (this.on) {
      if (share <= o.phoneExit) this.on = false;
    } else if (this.aboveSinceMs !== null && ptsMs - this.aboveSinceMs >= o.phoneMinEnterMs) {
      this.on = true;
    }
  }
}

export class PhoneSmoother {
  private callShare = 0;
  private phoneShare = 0;
  private readonly callLatch = new HysteresisLatch();
  private readonly phoneLatch = new HysteresisLatch();

  constructor(private readonly options: PhoneSmoothingOptions) {}

  /**
   * Adds one frame's verdict seen at `ptsMs`, standing for `stepMs` of media time (the time since
   * this person was last seen, capped at `phoneMaxStepMs`).
   */
  observe(verdict: PhoneState, ptsMs: number, stepMs: number): void {
    const o = this.options;
    const step = Math.min(Math.max(stepMs, 0), o.phoneMaxStepMs);
    const weight = 1 - Math.exp(-step / o.phoneTauMs);
    this.callShare += weight * ((verdict === 'call' ? 1 : 0) - this.callShare);
    this.phoneShare += weight * ((verdict === 'none' ? 0 : 1) - this.phoneShare);
    this.callLatch.step(this.callShare, ptsMs, o);
    this.phoneLatch.step(this.phoneShare, ptsMs, o);
  }

  get state(): PhoneState {
    if (this.callLatch.on) return 'call';
    return this.phoneLatch.on ? 'hand' : 'none';
  }

  /** Smoothed score of `state`: the call share for a call, the phone share otherwise (as the analyzer scores none by its best phone score). */
  get score(): number {
    return this.state === 'call' ? this.callShare : this.phoneShare;
  }
}
