/** Short real clips cut from the pedestrian video for ffmpeg tests. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PEDESTRIAN_VIDEO } from './fixtures.js';

const run = promisify(execFile);

/**
 * H.264 MP4 of the first `seconds` of vtest.avi (768x576, 10 fps) with a keyframe every second,
 * so stream copies (RTSP relay, recording segments) can cut on whole seconds.
 */
export async function cutH264Clip(dir: string, seconds: number, name = 'clip.mp4'): Promise<string> {
  const out = join(dir, name);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', PEDESTRIAN_VIDEO, '-t', String(seconds), '-an',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-pix_fmt', 'yuv420p', out]);
  return out;
}

export async function ffprobeJson(file: string): Promise<{ format: { duration?: string }; streams: { codec_type: string; codec_name?: string; width?: number; height?: number }[] }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file]);
  return JSON.parse(stdout) as { format: { duration?: string }; streams: { codec_type: string }[] };
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
