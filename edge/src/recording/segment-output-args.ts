/**
 * ffmpeg arguments and file layout for continuous recording: fixed-length MPEG-TS segments. MPEG-TS
 * has no index or trailer, so a segment cut by a power loss still plays up to the last packet written.
 *
 * Copy or transcode: H.264 and H.265 are what MPEG-TS (and every player police use) carries, so
 * they are copied without re-encoding. Anything else (MJPEG, MPEG-4 Part 2 such as msmpeg4, …)
 * copied into MPEG-TS gives a file with no video track at all (`Data: bin_data`), so it is
 * transcoded to H.264: libx264 `veryfast` with a capped rate, the cheapest encoder setting that
 * keeps CCTV detail on a 2-core box. MJPEG is transcoded too rather than put in a second container:
 * the sweep, retention, clips and exports then only ever handle one kind of segment, and MJPEG
 * cameras are low resolution, so the encoder's cost is small. A transcoded segment is marked in its
 * MPEG-TS service name (`TRANSCODED_MARK` + camera codec) so it says so even without the index.
 */
import { join } from 'node:path';
import { CURRENT_FFMPEG, type FfmpegCapabilities } from '../ffmpeg/ffmpeg-capabilities.js';

export type RecordingMode = 'copy' | 'transcode';

/** The camera codecs (ffprobe's names) that MPEG-TS carries as they are. */
const COPYABLE = new Set(['h264', 'hevc']);

export function recordingMode(codec: string): RecordingMode {
  return COPYABLE.has(codec) ? 'copy' : 'transcode';
}

/** Service name prefix of a transcoded segment; the camera's codec follows. */
export const TRANSCODED_MARK = 'mimamori transcoded from ';

/** The H.264 encoding of a transcoding recorder: fast, bounded in rate, seekable at every segment start. */
export function transcodeOptions(segmentSeconds: number, cameraCodec: string): string[] {
  return [
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-maxrate', '3M', '-bufsize', '6M', '-pix_fmt', 'yuv420p',
    // The segment muxer cuts only at key frames: one at every segment boundary keeps segments to length.
    '-force_key_frames', `expr:gte(t,n_forced*${segmentSeconds})`,
    '-c:a', 'copy',
    '-metadata', 'service_provider=mimamori', '-metadata', `service_name=${TRANSCODED_MARK}${cameraCodec}`,
  ];
}

export interface SegmentOutputOptions {
  /** `<dataDir>/recordings` */
  root: string;
  camera: string;
  segmentSeconds: number;
  /** Copy audio when the camera has it; off after the container refused the camera's codec. */
  audio: boolean;
  /** Default copy; transcode needs the camera's codec, which the segments then name. */
  mode?: RecordingMode;
  cameraCodec?: string;
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
    '-map', '0:v', ...(options.audio ? ['-map', '0:a?'] : []),
    ...(options.mode === 'transcode' ? transcodeOptions(options.segmentSeconds, options.cameraCodec ?? 'unknown') : ['-c', 'copy']),
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
