/**
 * Samples a video file into RGB frames at a fixed rate through ffmpeg (driven by fluent-ffmpeg).
 * ffmpeg scales to the analysis width so Node only ever sees frames of the size it analyses.
 */
import ffmpeg from 'fluent-ffmpeg';
import type { RgbFrame } from '../types.js';
import { locateFfmpeg, locateFfprobe } from '../../ffmpeg/ffmpeg-binaries.js';

export interface VideoSampleOptions {
  fps: number;
  /** Analysis width; the video is never upscaled. Height follows the display aspect ratio. */
  width: number;
  ffmpegPath?: string;
  ffprobePath?: string;
}

export interface VideoFrame extends RgbFrame {
  index: number;
  /** Presentation time from the start of the file, in ms. */
  ptsMs: number;
  /** Display size of the video before scaling to the analysis width. */
  sourceWidth: number;
  sourceHeight: number;
}

export interface VideoInfo {
  width: number;
  height: number;
  durationMs: number | null;
}

export async function probeVideo(file: string, ffprobePath?: string): Promise<VideoInfo> {
  const probe = locateFfprobe(ffprobePath);
  const data = await new Promise<ffmpeg.FfprobeData>((resolve, reject) => {
    ffmpeg(file).setFfprobePath(probe.path).ffprobe((err: Error | null, d: ffmpeg.FfprobeData) =>
      err ? reject(new Error(lastLine(err.message))) : resolve(d));
  });
  const stream = data.streams.find((s) => s.codec_type === 'video');
  if (!stream?.width || !stream.height) throw new Error('no video stream');
  // Display size honours non-square pixels (DVD, some CCTV encoders) so people are not squashed.
  const sar = parseRatio(stream.sample_aspect_ratio);
  const width = Math.round(stream.width * (sar ?? 1));
  const duration = Number(data.format.duration);
  return { width, height: stream.height, durationMs: Number.isFinite(duration) ? duration * 1000 : null };
}

/** Output size: at most `maxWidth` wide, aspect kept, both even (what rawvideo consumers expect). */
export function analysisSize(info: { width: number; height: number }, maxWidth: number): { width: number; height: number } {
  const width = Math.min(info.width, maxWidth);
  const even = (v: number): number => Math.max(2, 2 * Math.round(v / 2));
  return { width: even(width), height: even((width * info.height) / info.width) };
}

export async function* sampleVideoFrames(file: string, options: VideoSampleOptions): AsyncGenerator<VideoFrame> {
  const info = await probeVideo(file, options.ffprobePath);
  const { width, height } = analysisSize(info, options.width);
  const frameBytes = width * height * 3;
  let stderrTail = '';
  let failure: Error | null = null;

  const command = ffmpeg(file)
    .setFfmpegPath(locateFfmpeg(options.ffmpegPath).path)
    .noAudio()
    .videoFilters([`fps=${options.fps}`, `scale=${width}:${height}`, 'setsar=1'])
    .outputOptions(['-pix_fmt', 'rgb24'])
    .format('rawvideo')
    .on('stderr', (line: string) => {
      stderrTail = line;
    })
    .on('error', (err: Error) => {
      failure = new Error(lastLine(stderrTail || err.message));
    });
  const stream = command.pipe();

  let pending = new Uint8Array(frameBytes);
  let filled = 0;
  let index = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - offset);
        pending.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === frameBytes) {
          yield {
            data: pending, width, height, index, ptsMs: Math.round((index * 1000) / options.fps),
            sourceWidth: info.width, sourceHeight: info.height,
          };
          index += 1;
          // The consumer may hand the frame to a worker (transfer), so each frame gets its own buffer.
          pending = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
    if (failure) throw failure;
    if (index === 0) throw new Error('no frames decoded');
  } finally {
    // Ends ffmpeg when the consumer stops early; harmless when it has already exited.
    command.kill('SIGKILL');
  }
}

function parseRatio(value: string | undefined): number | null {
  const m = /^(\d+):(\d+)$/.exec(value ?? '');
  if (!m) return null;
  const [num, den] = [Number(m[1]), Number(m[2])];
  return num > 0 && den > 0 ? num / den : null;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  return lines[lines.length - 1]?.trim() ?? text;
}
