/**
 * Keeps one ffmpeg per camera (source or recorder) running for months: a run that exits, stalls
 * or never delivers is ended and retried after a capped, jittered backoff. The owner launches
 * ffmpeg and reports progress (a frame, a recorded second); this class owns the state machine,
 * the stall watchdog, the error text and shutdown.
 */
import type { ChildProcess } from 'node:child_process';
import { Backoff, type BackoffOptions } from '../lifecycle/backoff.js';
import { createLogger, type Logger } from '../log/logger.js';
import { redactCredentials } from '../log/redact-url.js';
import { stopFfmpeg } from './stop-ffmpeg.js';

/**
 * How an interrupted ffmpeg exits: code 255 is what ffmpeg returns after SIGINT/SIGTERM (its other
 * failures exit 1), or Node reports the signal that killed it.
 */
const INTERRUPTED = /exited with code 255\b|received signal (2|15)\b|killed with signal SIG(INT|TERM)/;
const INTERRUPT_GRACE_MS = 1000;

export type SourceState = 'connecting' | 'streaming' | 'backoff' | 'ended' | 'stopped';

/** One per state change: meant for one structured log line, never per frame. */
export interface StateChange {
  camera: string;
  role: 'source' | 'recorder';
  state: SourceState;
  previous: SourceState;
  at: number;
  restarts: number;
  /** Set when entering backoff. */
  retryInMs?: number;
  lastError: string | null;
}

export interface RunExit {
  /** ffmpeg exited with code 0. */
  clean: boolean;
  /** What went wrong, from ffmpeg's last error line; null for a clean exit. */
  message: string | null;
}

export interface SupervisedRun {
  proc: ChildProcess;
  /** Resolves (never rejects) once ffmpeg has exited and its output is fully read. */
  done: Promise<RunExit>;
}

export interface SupervisorOptions {
  camera: string;
  role: 'source' | 'recorder';
  /** Source URL, redacted before it is put in any message. */
  source: string;
  stallMs: number;
  /** How long a new run may take to deliver its first progress. */
  connectTimeoutMs: number;
  backoff?: Partial<BackoffOptions>;
  /** A clean exit after progress is the end of the camera (a file without loop), not a failure. */
  endsAtEof: boolean;
  graceMs?: number;
  launch(): Promise<SupervisedRun>;
  onStateChange?: (change: StateChange) => void;
  /** Where a failing onStateChange listener is reported; default the `ffmpeg` logger. */
  log?: Logger;
}

/** What a camera's decoder and recorder share when supervising their ffmpeg. */
export interface CameraSupervision {
  camera: { id: string; source: string; stallSeconds: number };
  role: SupervisorOptions['role'];
  endsAtEof: boolean;
  tuning: { connectTimeoutSeconds?: number; backoff?: Partial<BackoffOptions>; graceMs?: number };
  launch(): Promise<SupervisedRun>;
  onStateChange(change: StateChange): void;
  log?: Logger;
}

/** Supervisor options from a camera's config: stall timeout, and a first connect of at least 15 s. */
export function superviseCamera(s: CameraSupervision): SupervisedFfmpeg {
  return new SupervisedFfmpeg({
    camera: s.camera.id,
    role: s.role,
    source: s.camera.source,
    stallMs: s.camera.stallSeconds * 1000,
    connectTimeoutMs: (s.tuning.connectTimeoutSeconds ?? Math.max(s.camera.stallSeconds, 15)) * 1000,
    backoff: s.tuning.backoff,
    endsAtEof: s.endsAtEof,
    graceMs: s.tuning.graceMs,
    launch: s.launch,
    onStateChange: s.onStateChange,
    log: s.log,
  });
}

export class SupervisedFfmpeg {
  private state: SourceState = 'stopped';
  private since = Date.now();
  private lastProgressAt: number | null = null;
  private runStartedAt = 0;
  private runHadProgress = false;
  private pendingError: string | null = null;
  private lastErrorText: string | null = null;
  private restartCount = 0;
  private current: SupervisedRun | null = null;
  private closing = false;
  private started = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakeBackoff: (() => void) | null = null;
  private readonly backoff: Backoff;
  private readonly label: string;
  private readonly log: Logger;

  constructor(private readonly options: SupervisorOptions) {
    this.backoff = new Backoff(options.backoff);
    this.log = options.log ?? createLogger('ffmpeg');
    this.label = `camera ${options.camera}${options.role === 'recorder' ? ' recorder' : ''} (${redactCredentials(options.source)})`;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.loopDone = this.loop();
  }

  /** The owner saw the run deliver (a frame, a recorded second). */
  progress(): void {
    this.lastProgressAt = Date.now();
    if (!this.runHadProgress) {
      this.runHadProgress = true;
      this.backoff.reset();
      this.setState('streaming');
    }
  }

  /** The owner found the run's output unusable: end this run and retry. */
  fail(message: string): void {
    this.pendingError ??= message;
    if (this.current) void stopFfmpeg(this.current.proc, { graceMs: this.options.graceMs });
  }

  get pid(): number | null {
    return this.current?.proc.pid ?? null;
  }

  get currentState(): SourceState {
    return this.state;
  }

  snapshot(): { state: SourceState; since: number; lastProgressAt: number | null; restarts: number; lastError: string | null } {
    return { state: this.state, since: this.since, lastProgressAt: this.lastProgressAt, restarts: this.restartCount, lastError: this.lastErrorText };
  }

  /** Stops retrying and ends ffmpeg (q, SIGTERM, SIGKILL); resolves once it has exited. */
  async close(): Promise<void> {
    this.closing = true;
    this.wakeBackoff?.();
    if (this.current) await stopFfmpeg(this.current.proc, { graceMs: this.options.graceMs });
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    while (!this.closing) {
      this.setState('connecting');
      const exit = await this.runOnce();
      if (this.closing) break;
      if (!exit.clean && INTERRUPTED.test(exit.message ?? '')) {
        // Ctrl-C in a terminal signals the whole process group, so ffmpeg may exit a moment before
        // the agent starts closing: give close() that moment rather than log a restart that will
        // not happen. Anyone else interrupting ffmpeg just gets the restart a second later.
        await this.sleep(INTERRUPT_GRACE_MS);
        if (this.closing) break;
      }
      if (exit.clean && this.options.endsAtEof && this.runHadProgress) {
        this.setState('ended');
        return;
      }
      this.lastErrorText = `${this.label}: ${this.pendingError ?? exit.message ?? (this.runHadProgress ? 'stream ended' : 'ended before delivering anything')}`;
      const delay = this.backoff.next();
      this.setState('backoff', delay);
      await this.sleep(delay);
      if (!this.closing) this.restartCount += 1;
    }
    this.setState('stopped');
  }

  private async runOnce(): Promise<RunExit> {
    this.pendingError = null;
    this.runHadProgress = false;
    this.runStartedAt = Date.now();
    let run: SupervisedRun;
    try {
      run = await this.options.launch();
    } catch (err) {
      return { clean: false, message: redactCredentials(err instanceof Error ? err.message : String(err)) };
    }
    this.current = run;
    // close() during launch() found no process to stop: stop this one now, or loopDone never settles.
    if (this.closing) void stopFfmpeg(run.proc, { graceMs: this.options.graceMs });
    const watchdog = setInterval(() => this.checkStall(), Math.max(100, Math.min(1000, this.options.stallMs / 4)));
    try {
      const exit = await run.done;
      return { clean: exit.clean, message: exit.message === null ? null : redactCredentials(exit.message) };
    } finally {
      clearInterval(watchdog);
      this.current = null;
    }
  }

  private checkStall(): void {
    if (this.closing || !this.current) return;
    const now = Date.now();
    if (this.runHadProgress) {
      const silentMs = now - (this.lastProgressAt ?? this.runStartedAt);
      if (silentMs > this.options.stallMs) this.fail(`stalled: nothing for ${Math.round(silentMs / 1000)} s`);
    } else if (now - this.runStartedAt > this.options.connectTimeoutMs) {
      this.fail(`nothing received within ${Math.round(this.options.connectTimeoutMs / 1000)} s of connecting`);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeBackoff = () => {
        this.wakeBackoff = null;
        done();
      };
    });
  }

  private setState(state: SourceState, retryInMs?: number): void {
    if (state === this.state) return;
    const previous = this.state;
    this.state = state;
    this.since = Date.now();
    if (!this.options.onStateChange) return;
    const change: StateChange = {
      camera: this.options.camera, role: this.options.role, state, previous, at: this.since,
      restarts: this.restartCount, lastError: this.lastErrorText,
    };
    if (retryInMs !== undefined) change.retryInMs = retryInMs;
    try {
      this.options.onStateChange(change);
    } catch (err) {
      // A failing listener must not take the camera down; it is reported once per change.
      this.log.error('onStateChange listener failed', { camera: this.options.camera, role: this.options.role, state, err });
    }
  }
}
