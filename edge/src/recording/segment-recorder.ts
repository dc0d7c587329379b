/**
 * Continuous recording of one camera: a second ffmpeg writes fixed-length MPEG-TS segments under
 * `<dataDir>/recordings/<camera>/<YYYY-MM-DD>/` and reports each completed segment. Before each
 * run the camera's codec is probed: H.264/H.265 are copied, anything else is transcoded to H.264
 * (segment-output-args.ts), as `status().mode` says. A finished segment is reported only once
 * ffprobe finds a video stream in it; one without is counted and logged, never indexed as footage.
 * Resilience (backoff, stall, states) is shared with CameraSource.
 *
 * Permissions: day folders are created 0o700; ffmpeg runs with umask 077 (child-lifetime.ts), so
 * segments are 0o600 from their first byte, and each completed one is chmod-ed to 0o600 again in
 * case the umask could not be set.
 */
import type { RecorderStatus } from '../wire/api/status.js';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import type { CameraConfig } from '../config/schema.js';
import { createLogger, type Logger } from '../log/logger.js';
import { locateFfmpeg } from '../ffmpeg/ffmpeg-binaries.js';
import { ffmpegCapabilities } from '../ffmpeg/ffmpeg-capabilities.js';
import type { BackoffOptions } from '../lifecycle/backoff.js';
import { ffmpegInput, type FfmpegInput } from '../ffmpeg/ffmpeg-input-args.js';
import { launchFfmpeg, type LaunchedFfmpeg } from '../ffmpeg/launch-ffmpeg.js';
import { childPidFile } from '../ffmpeg/leftover-children.js';
import { superviseCamera, type SupervisedFfmpeg, type SourceState, type StateChange } from '../ffmpeg/supervised-ffmpeg.js';
import { probeMedia, probeSourceCodec } from './media-probe.js';
import {
  dayFolders, parseSegmentListLine, recorderGlobalOptions, recordingMode, segmentOutputOptions, segmentOutputPattern, segmentPath,
  type RecordingMode, type SegmentListEntry,
} from './segment-output-args.js';

export interface RecordedSegment {
  camera: string;
  path: string;
  /** Wall-clock ms of the first and after the last frame: the run's media time mapped once. */
  startMs: number;
  endMs: number;
  bytes: number;
  /** The camera codec this segment was transcoded from; null when the stream was copied. */
  transcodedFrom: string | null;
}

export type RecorderCameraConfig = Pick<CameraConfig, 'id' | 'source' | 'loop' | 'record' | 'stallSeconds'>;

export interface SegmentRecorderOptions {
  /** Recordings go to `<dataDir>/recordings/<camera>/`. */
  dataDir: string;
  onSegment: (segment: RecordedSegment) => void | Promise<void>;
  /** A failing onSegment (e.g. the index is locked) is reported here; recording goes on. */
  onSegmentError?: (err: Error, segment: RecordedSegment) => void;
  ffmpegPath?: string;
  ffprobePath?: string;
  /** Pid files of the running ffmpeg (leftover-children.ts); default `<dataDir>/run`. */
  runDir?: string;
  /**
   * One line when the recording mode changes, (rate-limited) for segments without video, and for a
   * failed segment report when there is no onSegmentError; default the `recorder` logger.
   */
  log?: Logger;
  backoff?: Partial<BackoffOptions>;
  connectTimeoutSeconds?: number;
  graceMs?: number;
  onStateChange?: (change: StateChange) => void;
}

export interface SegmentRecorderStatus {
  state: SourceState;
  since: number;
  lastSegmentAt: number | null;
  segments: number;
  restarts: number;
  lastError: string | null;
  pid: number | null;
  /** How the camera's codec is recorded; null before the first probe. */
  mode: RecordingMode | null;
  /** The camera's video codec as ffprobe names it; null before the first probe. */
  codec: string | null;
  /** Finished segments in which ffprobe found no video stream: not reported, not indexed. */
  withoutVideo: number;
}

/** The recorder as `GET /api/status` shows it, per camera. */
export function recorderStatus(s: SegmentRecorderStatus): RecorderStatus {
  return { state: s.state, segments: s.segments, mode: s.mode, codec: s.codec, withoutVideo: s.withoutVideo };
}

const AUDIO_REFUSED = /codec not currently supported in container|Could not find tag for codec/i;
/** At most one "segment without video" line per camera this often; the count is in status. */
const NO_VIDEO_LOG_MS = 60_000;

export class SegmentRecorder {
  private readonly supervisor: SupervisedFfmpeg;
  private readonly input: FfmpegInput;
  private readonly root: string;
  private audio = true;
  private segments = 0;
  private lastSegmentAt: number | null = null;
  private reports: Promise<void> = Promise.resolve();
  private mode: RecordingMode | null = null;
  private codec: string | null = null;
  private withoutVideo = 0;
  private noVideoLoggedAt = -Infinity;
  private readonly log: Logger;

  constructor(readonly camera: RecorderCameraConfig, private readonly options: SegmentRecorderOptions) {
    this.root = join(options.dataDir, 'recordings');
    this.log = options.log ?? createLogger('recorder');
    this.input = ffmpegInput({ source: camera.source, loop: camera.loop, ioTimeoutSeconds: camera.stallSeconds });
    this.supervisor = superviseCamera({
      camera,
      role: 'recorder',
      endsAtEof: this.input.endsAtEof,
      tuning: options,
      log: this.log,
      launch: () => this.launch(),
      onStateChange: (change) => {
        if (change.state === 'backoff' && this.audio && change.lastError && AUDIO_REFUSED.test(change.lastError)) {
          // e.g. G.711 from many IP cameras cannot go into MPEG-TS as is: keep the video.
          this.audio = false;
        }
        options.onStateChange?.(change);
      },
    });
  }

  start(): this {
    this.supervisor.start();
    return this;
  }

  status(): SegmentRecorderStatus {
    const s = this.supervisor.snapshot();
    return {
      state: s.state, since: s.since, lastSegmentAt: this.lastSegmentAt, segments: this.segments,
      restarts: s.restarts, lastError: s.lastError, pid: this.supervisor.pid, mode: this.mode, codec: this.codec,
      withoutVideo: this.withoutVideo,
    };
  }

  /** Ends ffmpeg with `q` so the last segment is finalised, and waits until it has been reported. */
  async close(): Promise<void> {
    await this.supervisor.close();
    await this.reports;
  }

  private async ensureFolders(): Promise<void> {
    const cameraDir = join(this.root, this.camera.id);
    for (const day of dayFolders(new Date())) {
      const dir = join(cameraDir, day);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
    }
    await chmod(cameraDir, 0o700);
  }

  private async launch(): Promise<LaunchedFfmpeg> {
    // ffmpeg's segment muxer does not create folders: today's and tomorrow's exist before midnight.
    await this.ensureFolders();
    const bin = locateFfmpeg(this.options.ffmpegPath).path;
    const caps = await ffmpegCapabilities(bin);
    const input = ffmpegInput({ source: this.camera.source, loop: this.camera.loop, ioTimeoutSeconds: this.camera.stallSeconds, caps });
    const codec = await this.probeCodec(input);
    const mode = recordingMode(codec);
    const command = ffmpeg(input.input)
      .setFfmpegPath(bin)
      .inputOptions([...recorderGlobalOptions(caps), ...input.inputOptions])
      .output(segmentOutputPattern({ root: this.root, camera: this.camera.id }))
      .outputOptions(segmentOutputOptions({
        root: this.root, camera: this.camera.id, segmentSeconds: this.camera.record.segmentSeconds, audio: this.audio, mode, cameraCodec: codec,
      }));
    const runDir = this.options.runDir ?? join(this.options.dataDir, 'run');
    const run = await launchFfmpeg(command, 'file', { ffmpegPath: bin, camera: this.camera.id, role: 'recorder', pidFile: childPidFile(runDir, 'recorder', this.camera.id), log: this.log });
    const transcodedFrom = mode === 'transcode' ? codec : null;
    let anchorWallMs: number | null = null;
    let lastOutUs = -1;
    let partial = '';
    run.stdout.setEncoding('utf8');
    run.stdout.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const progress = /^out_time_us=(\d+)$/.exec(line.trim());
        if (progress) {
          const outUs = Number(progress[1]);
          if (outUs > lastOutUs) {
            // Map this run's media time to wall-clock once, at its first progress report.
            anchorWallMs ??= Date.now() - outUs / 1000;
            lastOutUs = outUs;
            this.supervisor.progress();
          }
          continue;
        }
        const entry = parseSegmentListLine(line);
        if (entry) {
          anchorWallMs ??= Date.now() - entry.endS * 1000;
          this.queueReport(entry, anchorWallMs, transcodedFrom);
        }
      }
    });
    return run;
  }

  /** The camera's video codec for this run; the mode follows it and is logged when it changes. */
  private async probeCodec(input: FfmpegInput): Promise<string> {
    const timeoutMs = (this.options.connectTimeoutSeconds ?? Math.max(this.camera.stallSeconds, 15)) * 1000;
    const codec = await probeSourceCodec(input, { ffprobePath: this.options.ffprobePath, timeoutMs });
    if (codec === null) throw new Error(`camera ${this.camera.id} recorder: the source has no video stream`);
    const mode = recordingMode(codec);
    if (codec !== this.codec || mode !== this.mode) {
      this.codec = codec;
      this.mode = mode;
      this.log.info('recording mode', {
        camera: this.camera.id, mode, codec, ...(mode === 'transcode' ? { to: 'h264', why: 'MPEG-TS cannot carry this codec as it is' } : {}),
      });
    }
    return codec;
  }

  private queueReport(entry: SegmentListEntry, anchorWallMs: number, transcodedFrom: string | null): void {
    this.reports = this.reports.then(() => this.report(entry, anchorWallMs, transcodedFrom));
  }

  private async report(entry: SegmentListEntry, anchorWallMs: number, transcodedFrom: string | null): Promise<void> {
    const path = segmentPath(this.root, this.camera.id, entry.name);
    const segment: RecordedSegment = {
      camera: this.camera.id, path, startMs: Math.round(anchorWallMs + entry.startS * 1000),
      endMs: Math.round(anchorWallMs + entry.endS * 1000), bytes: 0, transcodedFrom,
    };
    try {
      await chmod(path, 0o600);
      segment.bytes = (await stat(path)).size;
      if (await this.hasVideo(path)) {
        this.segments += 1;
        this.lastSegmentAt = Date.now();
        await this.options.onSegment(segment);
      }
      await this.ensureFolders();
    } catch (err) {
      const error = new Error(`camera ${this.camera.id} recorder: segment ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      if (this.options.onSegmentError) this.options.onSegmentError(error, segment);
      else this.log.error('segment report failed', { camera: this.camera.id, path, err: error });
    }
  }

  /** Whether ffprobe finds video in a finished segment; counts (and now and then logs) one without. */
  private async hasVideo(path: string): Promise<boolean> {
    let why: string;
    try {
      const probe = await probeMedia(`file:${path}`, { ffprobePath: this.options.ffprobePath });
      if (probe.videoCodec !== null) return true;
      why = 'no video stream';
    } catch (err) {
      why = (err as Error).message;
    }
    this.withoutVideo += 1;
    const now = Date.now();
    if (now - this.noVideoLoggedAt >= NO_VIDEO_LOG_MS) {
      this.noVideoLoggedAt = now;
      const fields = { camera: this.camera.id, path, why, withoutVideo: this.withoutVideo, mode: this.mode, codec: this.codec };
      this.log.error('segment without video not indexed', fields);
    }
    return false;
  }
}
