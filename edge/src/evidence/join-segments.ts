/**
 * Joins a camera's MPEG-TS segments into one MP4 without re-encoding: the pictures in the MP4 are
 * bit for bit the camera's, which is what makes the joined file usable as evidence next to the
 * original segments. ffmpeg's concat demuxer reads the segments back to back (each starts near
 * zero because the recorder resets timestamps) and `-c copy` re-muxes them; `+faststart` moves the
 * index to the front so the file plays while it is still being copied off a stick.
 *
 * Audio: copied when the segments have it. A codec MP4 cannot hold (G.711 from some cameras) makes
 * ffmpeg refuse the whole file, so the join is run again without audio and says so; the audio
 * stays in the original segments of the bundle.
 *
 * The arguments are understood by ffmpeg 4.1 (the npm fallback binary) and by current releases.
 */
import { spawn } from 'node:child_process';
import { chmod, rm, writeFile } from 'node:fs/promises';
import type { Logger } from '../log/logger.js';
import { lifetimeSpawnArgs } from '../ffmpeg/child-lifetime.js';

export interface JoinOptions {
  readonly ffmpegPath: string;
  /** Absolute paths, in playing order. */
  readonly inputs: readonly string[];
  /** Absolute path of the MP4 to write; must not exist. */
  readonly output: string;
  /** Absolute path for the concat list (removed afterwards). */
  readonly listFile: string;
  /** Named in errors and logs. */
  readonly camera: string;
  readonly signal?: AbortSignal;
  readonly log?: Logger;
}

export interface JoinResult {
  /** Whether the MP4 carries the segments' audio. */
  readonly audio: boolean;
  /** Why something is not in the MP4 (audio refused), or null. */
  readonly note: string | null;
}

export class JoinError extends Error {
  override readonly name = 'JoinError';
  constructor(readonly camera: string, message: string, options?: ErrorOptions) {
    super(`camera ${camera}: joining segments into MP4 failed: ${message}`, options);
  }
}

const AUDIO_REFUSED = /codec not currently supported in container|could not find tag for codec|not supported in this container/i;

/** One `file '...'` line; the concat demuxer's quoting: a ' inside becomes '\''. */
export function concatListLine(path: string): string {
  if (/[\n\r]/.test(path)) throw new Error(`segment path has a line break: ${JSON.stringify(path)}`);
  return `file '${path.replace(/'/g, "'\\''")}'`;
}

export function joinArgs(listFile: string, output: string, audio: boolean): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info',
    '-f', 'concat', '-safe', '0', '-i', listFile,
    '-map', '0:v', ...(audio ? ['-map', '0:a?'] : ['-an']),
    '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', '-n', output,
  ];
}

export async function joinSegments(options: JoinOptions): Promise<JoinResult> {
  if (options.inputs.length === 0) throw new JoinError(options.camera, 'no segments to join');
  await writeFile(options.listFile, `ffconcat version 1.0\n${options.inputs.map(concatListLine).join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    const first = await runFfmpeg(options, true);
    if (first.code === 0) return { audio: first.sawAudio, note: null };
    if (AUDIO_REFUSED.test(first.tail)) {
      await rm(options.output, { force: true });
      options.log?.warn('audio codec refused by MP4; joining video only', { camera: options.camera, ffmpeg: lastLine(first.tail) });
      const second = await runFfmpeg(options, false);
      if (second.code === 0) {
        return { audio: false, note: `the audio codec cannot go into MP4 (${lastLine(first.tail)}); audio is only in the original segments` };
      }
      throw new JoinError(options.camera, failure(second));
    }
    throw new JoinError(options.camera, failure(first));
  } finally {
    await rm(options.listFile, { force: true });
  }
}

interface FfmpegRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines of stderr, for the error message. */
  tail: string;
  sawAudio: boolean;
}

function failure(run: FfmpegRun): string {
  const how = run.signal ? `ffmpeg was killed with ${run.signal}` : `ffmpeg exited with code ${run.code}`;
  const detail = run.tail.split('\n').filter((l) => /error|invalid|failed|could not|no such|denied|not supported/i.test(l)).slice(-3).join(' | ');
  return `${how}${detail ? `: ${detail}` : ''}`;
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => AUDIO_REFUSED.test(l)).pop()?.trim() ?? text.trim().split('\n').pop() ?? '';
}

async function runFfmpeg(options: JoinOptions, audio: boolean): Promise<FfmpegRun> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);
  // Dies with its parent: a killed export leaves no join running into a staging folder.
  const [command, args] = await lifetimeSpawnArgs(options.ffmpegPath, joinArgs(options.listFile, options.output, audio));
  if (signal?.aborted) throw abortError(signal);
  return new Promise<FfmpegRun>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    let sawAudio = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      tail = (tail + text).slice(-8192);
      // The input's streams are listed at log level info: "Stream #0:1: Audio: aac ...". Matched
      // on the joined text, as a line can arrive split over two chunks.
      if (!sawAudio && /Stream #0:\d+[^\n]*: Audio:/.test(tail)) sawAudio = true;
    });
    // SIGKILL, not SIGTERM: on SIGTERM ffmpeg finishes the file (trailer, then the +faststart pass
    // rewriting it all), work that is thrown away with the staging folder.
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new JoinError(options.camera, `cannot start ${options.ffmpegPath}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      options.log?.debug('ffmpeg join finished', () => ({ camera: options.camera, code, signal: sig, audio }));
      resolve({ code, signal: sig, tail, sawAudio });
    });
  }).then(async (run) => {
    if (run.code === 0) await chmod(options.output, 0o600);
    return run;
  });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException(String(reason ?? 'aborted'), 'AbortError');
}
