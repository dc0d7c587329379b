/**
 * Continuous recording of one camera: a second ffmpeg copies the stream (no re-encoding) into
 * fixed-length MPEG-TS segments under `<dataDir>/recordings/<camera>/<YYYY-MM-DD>/` and reports
 * each completed segment. Resilience (backoff, stall, states) is shared with CameraSource.
 *
 * Permissions: day folders are created 0o700 and each completed segment is chmod-ed to 0o600.
 * The child's umask is not changed: Node can only set the umask of its whole process (every
 * module, every thread), and fluent-ffmpeg spawns the binary directly. The segment being
 * written is briefly ffmpeg's default mode, but inside a 0o700 folder no other user can open it.
 */
import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import type { CameraConfig } from '../../config/schema.js';
import { locateFfmpeg } from '../decode/ffmpeg-binaries.js';
import { ffmpegCapabilities } from '../decode/ffmpeg-capabilities.js';
import type { BackoffOptions } from '../source/backoff.js';
import { ffmpegInput, type FfmpegInput } from '../source/ffmpeg-input-args.js';
import { launchFfmpeg, type LaunchedFfmpeg } from '../source/launch-ffmpeg.js';
import { superviseCamera, type SupervisedFfmpeg, type SourceState, type StateChange } from '../source/supervised-ffmpeg.js';
import {
  dayFolders, parseSegmentListLine, recorderGlobalOptions, segmentOutputOptions, segmentOutputPattern, segmentPath,
  type SegmentListEntry,
} from './segment-output-args.js';

export interface RecordedSegment {
  camera: string;
  path: string;
  /** Wall-clock ms of the first and after the last frame: the run's media time mapped once. */
  startMs: number;
  endMs: number;
  bytes: number;
}

export type RecorderCameraConfig = Pick<CameraConfig, 'id' | 'source' | 'loop' | 'record' | 'stallSeconds'>;

export interface SegmentRecorderOptions {
  /** Recordings go to `<dataDir>/recordings/<camera>/`. */
  dataDir: string;
  onSegment: (segment: RecordedSegment) => void | Promise<void>;
  /** A failing onSegment (e.g. the index is locked) is reported here; recording goes on. */
  onSegmentError?: (err: Error, segment: RecordedSegment) => void;
  ffmpegPath?: string;
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
}

const AUDIO_REFUSED = /codec not currently supported in container|Could not find tag for codec/i;

export class SegmentRecorder {
  private readonly supervisor: SupervisedFfmpeg;
  private readonly input: FfmpegInput;
  private readonly root: string;
  private audio = true;
  private segments = 0;
  private lastSegmentAt: number | null = null;
  private reports: Promise<void> = Promise.resolve();

  constructor(readonly camera: RecorderCameraConfig, private readonly options: SegmentRecorderOptions) {
    this.root = join(options.dataDir, 'recordings');
    this.input = ffmpegInput({ source: camera.source, loop: camera.loop, ioTimeoutSeconds: camera.stallSeconds });
    this.supervisor = superviseCamera({
      camera,
      role: 'recorder',
      endsAtEof: this.input.endsAtEof,
      tuning: options,
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
      restarts: s.restarts, lastError: s.lastError, pid: this.supervisor.pid,
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
    const command = ffmpeg(input.input)
      .setFfmpegPath(bin)
      .inputOptions([...recorderGlobalOptions(caps), ...input.inputOptions])
      .output(segmentOutputPattern({ root: this.root, camera: this.camera.id }))
      .outputOptions(segmentOutputOptions({ root: this.root, camera: this.camera.id, segmentSeconds: this.camera.record.segmentSeconds, audio: this.audio }));
    const run = await launchFfmpeg(command, 'file');
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
          this.queueReport(entry, anchorWallMs);
        }
      }
    });
    return run;
  }

  private queueReport(entry: SegmentListEntry, anchorWallMs: number): void {
    this.reports = this.reports.then(() => this.report(entry, anchorWallMs));
  }

  private async report(entry: SegmentListEntry, anchorWallMs: number): Promise<void> {
    const path = segmentPath(this.root, this.camera.id, entry.name);
    const segment: RecordedSegment = {
      camera: this.camera.id, path, startMs: Math.round(anchorWallMs + entry.startS * 1000),
      endMs: Math.round(anchorWallMs + entry.endS * 1000), bytes: 0,
    };
    try {
      await chmod(path, 0o600);
      segment.bytes = (await stat(path)).size;
      this.segments += 1;
      this.lastSegmentAt = Date.now();
      await this.options.onSegment(segment);
      await this.ensureFolders();
    } catch (err) {
      const error = new Error(`camera ${this.camera.id} recorder: segment ${path}: ${err instanceof Error ? err.message : String(err)}`);
      if (this.options.onSegmentError) this.options.onSegmentError(error, segment);
      else console.error(JSON.stringify({ msg: 'segment report failed', camera: this.camera.id, error: error.message }));
    }
  }
}
