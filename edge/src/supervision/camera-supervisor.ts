/**
 * Keeps one camera's analysis loop running and says truthfully whether it is: the loop is started
 * on the source's frames and started again (with backoff) whenever it ends while the camera still
 * streams; `analysis()` tells running from stalled (frames arrive but none is analysed, the loop
 * is down, or no inference worker is left) and from stopped (the camera ended or was closed).
 */
import type { Logger } from '../log/logger.js';
import type { CameraFrame, CameraPipeline } from '../pipeline/camera-pipeline.js';
import { Backoff } from '../lifecycle/backoff.js';
import type { SourceState } from '../pipeline/source/camera-source.js';

export type AnalysisState = 'running' | 'stalled' | 'stopped';

/** Per camera in /api/status as `analysis`. */
export interface AnalysisStatus {
  readonly state: AnalysisState;
  /** Epoch ms of the last change of `state`. */
  readonly since: number;
  /** Why stalled or stopped (or what a running loop waits for); null while analysing. */
  readonly reason: string | null;
  readonly frameErrors: number;
  /** Times the loop was started again after it ended on its own. */
  readonly restarts: number;
}

/** What the supervisor needs of a camera source. */
export interface SupervisedSource {
  frames(): AsyncIterable<CameraFrame>;
  status(): { state: SourceState; since: number; lastFrameAt: number | null };
}

export interface CameraSupervisorOptions {
  log: Logger;
  /** Inference workers running now; 0 means no frame can be analysed. */
  workersRunning: () => number;
  /** Frames arriving but none analysed for this long: stalled. */
  stallMs: number;
  restart: { initialMs: number; maxMs: number };
  now?: () => number;
}

export class CameraSupervisor {
  private loop: Promise<void> | null = null;
  private loopStartedAt = 0;
  private loopError: string | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private restarts = 0;
  private readonly backoff: Backoff;
  private readonly now: () => number;
  private last: { state: AnalysisState; since: number } | null = null;
  /** Settles once the camera's frames have ended for good (or close()). */
  readonly done: Promise<void>;
  private settle!: () => void;

  constructor(
    readonly pipeline: CameraPipeline,
    private readonly source: SupervisedSource,
    private readonly options: CameraSupervisorOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.backoff = new Backoff({ ...options.restart, jitter: 0.1 });
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  get cameraId(): string {
    return this.pipeline.camera.id;
  }

  start(): void {
    if (this.closed || this.loop) return;
    this.runLoop();
  }

  /** The analysis state now; a change of state is logged once. */
  analysis(): AnalysisStatus {
    const { state, reason } = this.evaluate();
    const now = this.now();
    if (!this.last || this.last.state !== state) {
      if (this.last) {
        const fields = { camera: this.cameraId, state, previous: this.last.state, reason, frameErrors: this.pipeline.stats.frameErrors };
        if (state === 'stalled') this.options.log.error('analysis stalled', fields);
        else this.options.log.info('analysis state', fields);
      }
      this.last = { state, since: now };
    }
    return { state, since: this.last.since, reason, frameErrors: this.pipeline.stats.frameErrors, restarts: this.restarts };
  }

  /** Stops restarting the loop and waits for the current one; close the source first so it ends. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.loop;
    this.settle();
  }

  private evaluate(): { state: AnalysisState; reason: string | null } {
    const src = this.source.status();
    if (this.closed) return { state: 'stopped', reason: 'agent stopping' };
    if (src.state === 'ended') return { state: 'stopped', reason: 'camera source ended' };
    if (src.state === 'stopped' && this.loop === null && this.restartTimer === null) return { state: 'stopped', reason: 'camera source stopped' };
    if (this.loop === null) {
      return { state: 'stalled', reason: `analysis loop ended${this.loopError ? `: ${this.loopError}` : ''}; restarting` };
    }
    if (this.options.workersRunning() === 0) return { state: 'stalled', reason: 'no inference worker running' };
    if (src.state !== 'streaming') return { state: 'running', reason: `waiting for frames: camera ${src.state}` };
    const now = this.now();
    const arriving = src.lastFrameAt !== null && now - src.lastFrameAt < this.options.stallMs;
    // The clock starts at the latest of: last frame analysed, stream (re)connected, loop started.
    const analysedAt = Math.max(this.pipeline.stats.analysedAtMs ?? 0, src.since, this.loopStartedAt);
    if (arriving && now - analysedAt >= this.options.stallMs) {
      const seconds = Math.round((now - analysedAt) / 1000);
      const error = this.pipeline.stats.lastFrameError;
      return { state: 'stalled', reason: `frames arriving but none analysed for ${seconds} s${error ? `; last error: ${error}` : ''}` };
    }
    return { state: 'running', reason: null };
  }

  private runLoop(): void {
    this.loopStartedAt = this.now();
    this.loop = this.pipeline.run(this.source.frames()).then(
      () => this.loopEnded(null),
      (err: unknown) => this.loopEnded(err instanceof Error ? err : new Error(String(err))),
    );
  }

  private loopEnded(err: Error | null): void {
    const ranMs = this.now() - this.loopStartedAt;
    this.loop = null;
    this.loopError = err?.message ?? null;
    const state = this.source.status().state;
    if (this.closed || state === 'ended' || state === 'stopped') {
      if (err) this.options.log.error('camera pipeline stopped', { camera: this.cameraId, err });
      this.settle();
      return;
    }
    // A loop that ran a good while was healthy: its next failure is retried soon again.
    if (ranMs >= this.options.restart.maxMs) this.backoff.reset();
    const retryInMs = this.backoff.next();
    this.options.log.error('camera pipeline ended while its camera streams: restarting', {
      camera: this.cameraId, retryInMs, restarts: this.restarts, ...(err ? { err } : {}),
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.closed) return;
      this.restarts += 1;
      this.runLoop();
    }, retryInMs);
  }
}
