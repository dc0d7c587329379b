/** Real test clips made with ffmpeg from real stills and video, and their frames as a camera's. */
import { execFileSync } from 'node:child_process';
import { locateFfmpeg } from '../src/ffmpeg/ffmpeg-binaries.js';
import type { CameraFrame } from '../src/pipeline/camera-pipeline.js';
import { mediaFileFrames } from '../src/pipeline/source/media-file-frames.js';

/** An H.264 clip of one still held for `seconds` (a person standing still in front of a camera). */
export function stillClip(image: string, seconds: number, out: string): string {
  execFileSync(locateFfmpeg().path, [
    '-v', 'error', '-y', '-loop', '1', '-i', image, '-t', String(seconds), '-r', '10',
    // A keyframe every second lets recording cut segments on whole seconds.
    '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2', '-c:v', 'libx264', '-g', '10', '-pix_fmt', 'yuv420p', out,
  ]);
  return out;
}

/** A file's frames as a live camera would deliver them, with wall-clock times from `startAtMs`. */
export async function* cameraFrames(file: string, fps: number, width: number, startAtMs: number): AsyncGenerator<CameraFrame> {
  for await (const f of mediaFileFrames(file, { fps, videoWidth: width })) {
    yield { ...f.frame, ptsMs: f.ptsMs, atMs: startAtMs + f.ptsMs, seq: f.index };
  }
}
