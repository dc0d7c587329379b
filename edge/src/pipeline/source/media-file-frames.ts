/**
 * Frames from a local still image or video file, for one-off analysis (`mimamori analyze`, eval).
 * Stills give one frame; videos are sampled at a fixed rate through ffmpeg.
 */
import { stat } from 'node:fs/promises';
import type { RgbFrame } from '../types.js';
import { decodeImageFile, isImageFile } from '../decode/image-file.js';
import { sampleVideoFrames } from '../decode/video-file-frames.js';

export interface MediaFrame {
  frame: RgbFrame;
  index: number;
  ptsMs: number;
  /** Size of the source as stored; results are reported in these pixels. */
  width: number;
  height: number;
  /** analysis pixels = source pixels × scale */
  scale: number;
}

export interface MediaFrameOptions {
  fps: number;
  /** Width videos are analysed at; stills are analysed at up to `maxImageWidth`. */
  videoWidth: number;
  maxImageWidth?: number;
  ffmpegPath?: string;
  ffprobePath?: string;
}

/** An error about one input file; the message always starts with the file name. */
export class MediaFileError extends Error {
  constructor(readonly file: string, reason: string, options?: ErrorOptions) {
    super(`${file}: ${reason}`, options);
    this.name = 'MediaFileError';
  }
}

export async function* mediaFileFrames(file: string, options: MediaFrameOptions): AsyncGenerator<MediaFrame> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a regular file');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MediaFileError(file, code === 'ENOENT' ? 'no such file' : (code ?? (err as Error).message), { cause: err });
  }

  if (await isImageFile(file)) {
    let decoded;
    try {
      decoded = await decodeImageFile(file, options.maxImageWidth);
    } catch (err) {
      throw new MediaFileError(file, `cannot decode image: ${(err as Error).message}`, { cause: err });
    }
    yield { frame: decoded.frame, index: 0, ptsMs: 0, width: decoded.width, height: decoded.height, scale: decoded.scale };
    return;
  }

  try {
    const frames = sampleVideoFrames(file, {
      fps: options.fps,
      width: options.videoWidth,
      ffmpegPath: options.ffmpegPath,
      ffprobePath: options.ffprobePath,
    });
    for await (const f of frames) {
      yield {
        frame: { data: f.data, width: f.width, height: f.height },
        index: f.index,
        ptsMs: f.ptsMs,
        width: f.sourceWidth,
        height: f.sourceHeight,
        scale: f.width / f.sourceWidth,
      };
    }
  } catch (err) {
    throw new MediaFileError(file, `not a readable image or video: ${(err as Error).message}`, { cause: err });
  }
}
