/**
 * ffmpeg input arguments for each kind of camera source. Pure, so every kind is unit tested
 * without a camera.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CURRENT_FFMPEG, type FfmpegCapabilities } from './ffmpeg-capabilities.js';

export type SourceKind = 'rtsp' | 'http' | 'file' | 'v4l2';

export interface InputArgsOptions {
  source: string;
  loop: boolean;
  /** Network read/connect timeout; ffmpeg then fails instead of hanging on a dead camera. */
  ioTimeoutSeconds: number;
  /** What the ffmpeg in use understands; default a current ffmpeg. */
  caps?: FfmpegCapabilities;
}

export interface FfmpegInput {
  kind: SourceKind;
  /** What follows `-i`. */
  input: string;
  /** Options placed before `-i`. */
  inputOptions: string[];
  /** A file read without loop: reaching its end is the normal end of the camera, not a failure. */
  endsAtEof: boolean;
}

export function sourceKind(source: string): SourceKind {
  const lower = source.toLowerCase();
  if (lower.startsWith('rtsp://') || lower.startsWith('rtsps://')) return 'rtsp';
  if (lower.startsWith('http://') || lower.startsWith('https://')) return 'http';
  if (/^\/dev\/video\d+$/.test(source)) return 'v4l2';
  if (lower.startsWith('file://') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return 'file';
  throw new Error(`unsupported camera source scheme in ${source.replace(/\/\/.*$/, '//…')}: use rtsp://, http(s)://, file:// or a path`);
}

/** Local path of a file source (file:// URL or path), absolute. */
export function sourceFilePath(source: string): string {
  const path = source.toLowerCase().startsWith('file://') ? fileURLToPath(source) : source;
  return isAbsolute(path) ? path : resolve(path);
}

export function ffmpegInput(options: InputArgsOptions): FfmpegInput {
  const kind = sourceKind(options.source);
  const timeoutUs = String(Math.round(options.ioTimeoutSeconds * 1_000_000));
  const caps = options.caps ?? CURRENT_FFMPEG;
  switch (kind) {
    case 'rtsp':
      // The socket I/O timeout (µs) is `-timeout` in ffmpeg ≥ 5 and `-stimeout` before. TCP
      // interleaving survives NAT and lossy Wi-Fi where UDP RTP smears frames.
      return { kind, input: options.source, inputOptions: ['-rtsp_transport', 'tcp', caps.rtspTimeoutOption, timeoutUs], endsAtEof: false };
    case 'http':
      // MJPEG and HLS: ffmpeg's own reconnect bridges short hiccups; longer outages end ffmpeg
      // and the supervisor's backoff takes over.
      return {
        kind,
        input: options.source,
        inputOptions: [
          '-reconnect', '1', '-reconnect_streamed', '1',
          ...(caps.reconnectOnNetworkError ? ['-reconnect_on_network_error', '1'] : []),
          '-reconnect_delay_max', '5', '-rw_timeout', timeoutUs,
        ],
        endsAtEof: false,
      };
    case 'v4l2':
      return { kind, input: options.source, inputOptions: ['-f', 'v4l2'], endsAtEof: false };
    case 'file':
      // -re paces reading at the native rate so a file behaves like a live camera. `file:` stops
      // ffmpeg from reading a colon in the name as a protocol.
      return {
        kind,
        input: `file:${sourceFilePath(options.source)}`,
        inputOptions: ['-re', ...(options.loop ? ['-stream_loop', '-1'] : [])],
        endsAtEof: !options.loop,
      };
  }
}
