/**
 * ffmpeg arguments and file layout for continuous recording: the camera stream copied without
 * re-encoding into fixed-length MPEG-TS segments. MPEG-TS has no index or trailer, so a segment
 * cut by a power loss still plays up to the last packet written.
 */
import { join } from 'node:path';
import { CURRENT_FFMPEG, type FfmpegCapabilities } from '../decode/ffmpeg-capabilities.js';

export interface SegmentOutputOptions {
  /** `<dataDir>/recordings` */
  root: string;
  camera: string;
  segmentSeconds: number;
  /** Copy audio when the camera has it; off after the container refused the camera's codec. */
  audio: boolean;
}

/** Options before `-i`: progress (for stall detection) and the segment list both go to stdout. */
export function recorderGlobalOptions(caps: FfmpegCapabilities = CURRENT_FFMPEG): string[] {
  // Without -stats_period (ffmpeg < 4.4) progress comes every 0.5 s, which serves as well.
  return ['-hide_banner', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1', ...(caps.statsPeriod ? ['-stats_period', '1'] : [])];
}

export function segmentOutputPattern(options: Pick<SegmentOutputOptions, 'root' | 'camera'>): string {
  return join(options.root, options.camera, '%Y-%m-%d', `${options.camera}-%Y%m%d-%H%M%S.ts`);
}

export function segmentOutputOptions(options: SegmentOutputOptions): string[] {
  return [
    '-map', '0:v', ...(options.audio ? ['-map', '0:a?'] : []), '-c', 'copy',
    '-f', 'segment', '-segment_time', String(options.segmentSeconds), '-segment_format', 'mpegts',
    '-reset_timestamps', '1', '-strftime', '1',
    // Completed segments are announced on stdout as "name,start,end" (seconds of this run).
    '-segment_list', 'pipe:1', '-segment_list_type', 'csv',
  ];
}

export interface SegmentListEntry {
  name: string;
  startS: number;
  endS: number;
}

/** One line of the csv segment list, or null for anything else (progress lines share stdout). */
export function parseSegmentListLine(line: string): SegmentListEntry | null {
  const m = /^([A-Za-z0-9_-]+-\d{8}-\d{6}\.ts),(-?[\d.]+),(-?[\d.]+)$/.exec(line.trim());
  if (!m) return null;
  return { name: m[1] as string, startS: Number(m[2]), endS: Number(m[3]) };
}

/** Where ffmpeg wrote a listed segment: the list names only the file; the day folder is in its name. */
export function segmentPath(root: string, camera: string, name: string): string {
  const m = /-(\d{4})(\d{2})(\d{2})-\d{6}\.ts$/.exec(name);
  if (!m) throw new Error(`camera ${camera}: unexpected segment name ${name}`);
  return join(root, camera, `${m[1]}-${m[2]}-${m[3]}`, name);
}

/** Day folder names (local time, as ffmpeg's strftime) for `at` and the next day. */
export function dayFolders(at: Date): string[] {
  const next = new Date(at.getFullYear(), at.getMonth(), at.getDate() + 1, 12);
  return [at, next].map((d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
