/**
 * Live frames from one camera: ffmpeg (driven by fluent-ffmpeg) decodes the stream to RGB at the
 * analysis rate and width; the consumer always gets the newest frame; the stream is reconnected
 * with backoff when it drops, stalls or never connects. Media time comes from the frame count at
 * the fixed output rate and is mapped to wall-clock once per connection.
 */
import ffmpeg from 'fluent-ffmpeg';
import type { CameraConfig } from '../../config/schema.js';
import type { RgbFrame } from '../types.js';
import { locateFfmpeg } from '../../ffmpeg/ffmpeg-binaries.js';
import { ffmpegCapabilities } from '../../ffmpeg/ffmpeg-capabilities.js';
import type { BackoffOptions } from '../../lifecycle/backoff.js';
import type { Logger } from '../../log/logger.js';
import { ffmpegInput, type FfmpegInput } from '../../ffmpeg/ffmpeg-input-args.js';
import { FFMPEG_QUIET, frameFilters, frameOutputOptions } from './frame-output-args.js';
import { launchFfmpeg, type LaunchedFfmpeg } from '../../ffmpeg/launch-ffmpeg.js';
import { childPidFile } from '../../ffmpeg/leftover-children.js';
import { NewestFrameMailbox } from './newest-frame-mailbox.js';
import { PpmStreamParser } from './ppm-stream-parser.js';
import { RateWindow } from './rate-window.js';
import { superviseCamera, type SupervisedFfmpeg, type SourceState, type StateChange } from '../../ffmpeg/supervised-ffmpeg.js';

export type { SourceState, StateChange } from '../../ffmpeg/supervised-ffmpeg.js';

export interface CameraFrame extends RgbFrame {
  /** Media time in ms from the start of the source; continues across reconnects. */
  ptsMs: number;
  /** Wall-clock ms: the connection's start mapped once, plus media time. */
  atMs: number;
  /** Frame number over the life of the source; continues across reconnects. */
  seq: number;
}

export interface CameraSourceStatus {
  state: SourceState;
  since: number;
  lastFrameAt: number | null;
  /** Frames per second received from ffmpeg, over the last few seconds. */
  fpsIn: number;
  /** Frames per second taken by consumers, over the last few seconds. */
  fpsOut: number;
  /** Frames replaced by a newer one before a consumer took them. */
  dropped: number;
  restarts: number;
  lastError: string | null;
  framesIn: number;
  framesOut: number;
  /** pid of the running ffmpeg, null between runs. */
  pid: number | null;
}

/** Of the analysis settings the source needs only the sampling; gating is the pipeline's. */
export type CameraSourceConfig = Pick<CameraConfig, 'id' | 'source' | 'loop' | 'stallSeconds'> & {
  analysis: Pick<CameraConfig['analysis'], 'fps' | 'width'>;
};

export interface CameraSourceOptions {
  ffmpegPath?: string;
  backoff?: Partial<BackoffOptions>;
  /** Time a new connection may take to deliver its first frame; default max(stallSeconds, 15). */
  connectTimeoutSeconds?: number;
  /** Wait after `q` before SIGTERM and again before SIGKILL when stopping ffmpeg; default 2000. */
  graceMs?: number;
  onStateChange?: (change: StateChange) => void;
  /** Where the running ffmpeg's pid file goes, for the next start's reaper (leftover-children.ts). */
  runDir?: string;
  /** Where a failing onStateChange listener or an unremovable pid file is reported; default the `ffmpeg` logger. */
  log?: Logger;
}

export type FrameHandler = (frame: CameraFrame) => void | Promise<void>;

export class CameraSource {
  private readonly supervisor: SupervisedFfmpeg;
  private readonly input: FfmpegInput;
  private readonly mailboxes = new Set<NewestFrameMailbox<CameraFrame>>();
  private readonly rateIn = new RateWindow();
  private readonly rateOut = new RateWindow();
  private seq = 0;
  private framesIn = 0;
  private framesOut = 0;
  private droppedClosed = 0;
  private lastFrameAt: number | null = null;
  private firstWallMs: number | null = null;
  private lastPtsMs = -Infinity;
  private closed = false;

  constructor(readonly camera: CameraSourceConfig, private readonly options: CameraSourceOptions = {}) {
    this.input = ffmpegInput({ source: camera.source, loop: camera.loop, ioTimeoutSeconds: camera.stallSeconds });
    this.supervisor = superviseCamera({
      camera,
      role: 'source',
      endsAtEof: this.input.endsAtEof,
      tuning: options,
      log: options.log,
      launch: () => this.launch(),
      onStateChange: (change) => {
        if (change.state === 'ended' || change.state === 'stopped') this.closeMailboxes();
        options.onStateChange?.(change);
      },
    });
  }

  start(): this {
    this.supervisor.start();
    return this;
  }

  /**
   * Frames as they come, newest first: a consumer slower than the camera skips frames rather than
   * building a queue. Several consumers may iterate at once, each with its own one-frame mailbox.
   * Ends when the source ends or is closed.
   */
  async *frames(): AsyncGenerator<CameraFrame> {
    const mailbox = new NewestFrameMailbox<CameraFrame>();
    if (this.supervisor.currentState === 'ended' || this.closed) return;
    this.mailboxes.add(mailbox);
    try {
      for (;;) {
        const frame = await mailbox.take();
        if (!frame) return;
        this.framesOut += 1;
        this.rateOut.mark();
        yield frame;
      }
    } finally {
      this.mailboxes.delete(mailbox);
      this.droppedClosed += mailbox.dropped;
    }
  }

  /** Calls `handler` with the newest frame each time it is free; returns an unsubscribe. */
  onFrame(handler: FrameHandler, onError: (err: Error) => void): () => void {
    const frames = this.frames();
    let stopped = false;
    void (async () => {
      for await (const frame of frames) {
        if (stopped) break;
        try {
          await handler(frame);
        } catch (err) {
          onError(err instanceof Error ? err : new Error(String(err)));
        }
      }
    })();
    return () => {
      stopped = true;
      void frames.return(undefined);
    };
  }

  status(): CameraSourceStatus {
    const s = this.supervisor.snapshot();
    let dropped = this.droppedClosed;
    for (const m of this.mailboxes) dropped += m.dropped;
    return {
      state: s.state, since: s.since, lastFrameAt: this.lastFrameAt, fpsIn: this.rateIn.perSecond(),
      fpsOut: this.rateOut.perSecond(), dropped, restarts: s.restarts, lastError: s.lastError,
      framesIn: this.framesIn, framesOut: this.framesOut, pid: this.supervisor.pid,
    };
  }

  /** Stops retrying, ends ffmpeg (q, SIGTERM, SIGKILL) and ends every frames() iteration. */
  async close(): Promise<void> {
    this.closed = true;
    await this.supervisor.close();
    this.closeMailboxes();
  }

  private closeMailboxes(): void {
    for (const m of this.mailboxes) m.close();
  }

  private async launch(): Promise<LaunchedFfmpeg> {
    const { fps, width } = this.camera.analysis;
    const bin = locateFfmpeg(this.options.ffmpegPath).path;
    const caps = await ffmpegCapabilities(bin);
    const input = ffmpegInput({ source: this.camera.source, loop: this.camera.loop, ioTimeoutSeconds: this.camera.stallSeconds, caps });
    const command = ffmpeg(input.input)
      .setFfmpegPath(bin)
      .inputOptions([...FFMPEG_QUIET, ...input.inputOptions])
      .videoFilters(frameFilters({ fps, width }))
      .outputOptions(frameOutputOptions(caps));
    const { runDir } = this.options;
    const run = await launchFfmpeg(command, 'pipe', {
      ffmpegPath: bin, camera: this.camera.id, role: 'source', ...(runDir ? { pidFile: childPidFile(runDir, 'source', this.camera.id) } : {}), log: this.options.log,
    });
    const frameMs = 1000 / fps;
    let n = 0;
    let connectionWallMs = 0;
    let connectionPtsMs = 0;
    const parser = new PpmStreamParser((rgb) => {
      const now = Date.now();
      if (n === 0) {
        // Map media time to wall-clock once per connection: this connection's first frame is
        // "now", and its media time continues the source's timeline without going backwards.
        this.firstWallMs ??= now;
        connectionWallMs = now;
        connectionPtsMs = Math.max(now - this.firstWallMs, this.lastPtsMs + frameMs);
      }
      const ptsMs = Math.round(connectionPtsMs + n * frameMs);
      const frame: CameraFrame = { ...rgb, ptsMs, atMs: Math.round(connectionWallMs + n * frameMs), seq: this.seq };
      n += 1;
      this.seq += 1;
      this.lastPtsMs = ptsMs;
      this.framesIn += 1;
      this.lastFrameAt = now;
      this.rateIn.mark();
      this.supervisor.progress();
      for (const m of this.mailboxes) m.put(frame);
    });
    run.stdout.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        run.stdout.removeAllListeners('data');
        run.stdout.resume();
        this.supervisor.fail(err instanceof Error ? err.message : String(err));
      }
    });
    return run;
  }
}
