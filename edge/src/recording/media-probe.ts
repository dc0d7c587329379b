/**
 * ffprobe for the recorder: the video codec a camera sends (before a recorder starts, to choose
 * copy or transcode) and what a finished segment holds (its video stream, and whether the recorder
 * marked it as transcoded), so no segment without video is ever indexed as footage.
 */
import { execFile } from 'node:child_process';
import { locateFfprobe } from '../ffmpeg/ffmpeg-binaries.js';
import type { FfmpegInput } from '../ffmpeg/ffmpeg-input-args.js';
import { redactCredentials } from '../log/redact-url.js';
import { TRANSCODED_MARK } from './segment-output-args.js';

export interface MediaProbe {
  /** The first video stream's codec as ffprobe names it (h264, hevc, mjpeg, msmpeg4v3…), null when there is none. */
  videoCodec: string | null;
  /** The camera codec a segment was transcoded from, as the recorder marked it; null for a copy. */
  transcodedFrom: string | null;
  durationMs: number | null;
}

export interface ProbeOptions {
  ffprobePath?: string;
  /** Demuxer options before the input (RTSP transport, timeouts). */
  inputOptions?: readonly string[];
  timeoutMs?: number;
}

interface ProbeJson {
  streams?: { codec_type?: string; codec_name?: string }[];
  programs?: { tags?: { service_name?: string } }[];
  format?: { duration?: string };
}

const MAX_OUTPUT = 1024 * 1024;

export async function probeMedia(target: string, options: ProbeOptions = {}): Promise<MediaProbe> {
  const bin = locateFfprobe(options.ffprobePath).path;
  const args = [
    '-v', 'error', ...(options.inputOptions ?? []),
    '-show_entries', 'stream=codec_type,codec_name:program_tags=service_name:format=duration', '-of', 'json', target,
  ];
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(bin, args, { timeout: options.timeoutMs ?? 30_000, maxBuffer: MAX_OUTPUT }, (err, out, stderr) => {
      if (!err) resolve(out);
      else {
        const why = stderr.trim().split('\n').pop() || (err.killed ? `no answer within ${options.timeoutMs ?? 30_000} ms` : err.message);
        reject(new Error(`ffprobe ${redactCredentials(target)}: ${redactCredentials(why)}`));
      }
    });
  });
  const json = JSON.parse(stdout) as ProbeJson;
  const video = json.streams?.find((s) => s.codec_type === 'video');
  const mark = json.programs?.map((p) => p.tags?.service_name ?? '').find((n) => n.startsWith(TRANSCODED_MARK));
  const duration = Number(json.format?.duration);
  return {
    videoCodec: video?.codec_name ?? null,
    transcodedFrom: mark ? mark.slice(TRANSCODED_MARK.length) || null : null,
    durationMs: Number.isFinite(duration) ? Math.round(duration * 1000) : null,
  };
}

/**
 * The camera's video codec, asked with the same demuxer options the recorder uses. `-re` and
 * `-stream_loop` are ffmpeg's alone (ffprobe refuses them) and mean nothing to a probe.
 */
export async function probeSourceCodec(input: FfmpegInput, options: Omit<ProbeOptions, 'inputOptions'>): Promise<string | null> {
  const inputOptions: string[] = [];
  for (let i = 0; i < input.inputOptions.length; i += 1) {
    const option = input.inputOptions[i] as string;
    if (option === '-re') continue;
    if (option === '-stream_loop') {
      i += 1;
      continue;
    }
    inputOptions.push(option);
  }
  return (await probeMedia(input.input, { ...options, inputOptions })).videoCodec;
}
