/**
 * ffmpeg output arguments for analysis frames: constant rate, scaled to the analysis width, as a
 * stream of binary PPM images. Each PPM carries its own width and height, so Node never has to
 * guess the frame size: no second connection to probe the camera, and a camera that changes
 * resolution mid-stream still splits into whole frames.
 */

import { CURRENT_FFMPEG, type FfmpegCapabilities } from '../../ffmpeg/ffmpeg-capabilities.js';

export interface FrameOutputOptions {
  fps: number;
  /** Maximum output width; never upscaled; height follows the display aspect ratio; both even. */
  width: number;
}

export function frameFilters(options: FrameOutputOptions): string[] {
  const w = Math.max(2, Math.floor(options.width / 2) * 2);
  // iw*sar and dar honour non-square pixels (some CCTV encoders); commas are escaped for the graph.
  return [
    `fps=${options.fps}`,
    `scale=w='max(2\\,trunc(min(${w}\\,iw*sar)/2)*2)':h='max(2\\,trunc(ow/dar/2)*2)'`,
    'setsar=1',
  ];
}

export function frameOutputOptions(caps: FfmpegCapabilities = CURRENT_FFMPEG): string[] {
  // The fps filter already made the rate; passthrough keeps the muxer from duplicating or dropping.
  const passthrough = caps.fpsMode ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough'];
  return ['-an', '-sn', '-dn', ...passthrough, '-pix_fmt', 'rgb24', '-c:v', 'ppm', '-f', 'image2pipe'];
}

/** Options before `-i`: quiet except errors (kept for lastError), no progress chatter. */
export const FFMPEG_QUIET = ['-hide_banner', '-nostats', '-loglevel', 'error'];
