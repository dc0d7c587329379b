/** `mimamori analyze`: run perception on image and video files and print what it sees. */
import { parseArgs } from 'node:util';
import { extname } from 'node:path';
import { loadConfig, parseConfig } from '../config/load.js';
import { cameraSchema, perceptionSchema } from '../config/schema.js';
import { createPerception } from '../pipeline/analyze/perception.js';
import { drawAnalysis } from '../pipeline/draw/analysis-overlay.js';
import { MediaFileError, mediaFileFrames, type MediaFrame } from '../pipeline/source/media-file-frames.js';
import type { Box, FrameAnalysis } from '../pipeline/types.js';

/** A video is analysed as a camera with the default analysis settings would analyse it. */
const ANALYSIS = cameraSchema.shape.analysis.parse(undefined);
const THREADS = perceptionSchema.shape.threads.parse(undefined);

const HELP = `usage: mimamori analyze <image-or-video...> [options]

  --json            one JSON object per analysed frame on stdout
  --fps <n>         video sampling rate (default ${ANALYSIS.fps})
  --width <n>       video analysis width in pixels (default ${ANALYSIS.width})
  --draw <out.png>  write each analysed frame with boxes, keypoints and phone state
                    (several frames: out-<file#>-<frame#>.png)
  --config <file>   take perception settings from a site config (YAML)
  --threads <n>     onnxruntime threads (default: the config's perception.threads, else ${THREADS})`;

/** The documented per-frame JSON line. Field order is part of the contract. */
export interface AnalyzeJsonLine {
  file: string;
  frame: number;
  ptsMs: number;
  width: number;
  height: number;
  people: { box: Box; score: number; phone: 'call' | 'hand' | 'none'; phoneScore: number }[];
  objects: { label: string; box: Box; score: number }[];
}

export async function runAnalyzeCommand(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        fps: { type: 'string', default: String(ANALYSIS.fps) },
        width: { type: 'string', default: String(ANALYSIS.width) },
        draw: { type: 'string' },
        config: { type: 'string' },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    console.error(`mimamori analyze: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  if (args.values.help) {
    console.log(HELP);
    return 0;
  }
  const files = args.positionals;
  if (files.length === 0) {
    console.error(`mimamori analyze: no input files\n${HELP}`);
    return 2;
  }
  const fps = positiveNumber('--fps', args.values.fps, 60);
  const width = positiveNumber('--width', args.values.width, 8192);
  if (fps === null || width === null) return 2;

  const config = args.values.config ? await loadConfig(args.values.config) : parseConfig({});
  if (args.values.threads !== undefined) {
    const threads = positiveNumber('--threads', args.values.threads, 64);
    if (threads === null) return 2;
    config.perception.threads = Math.round(threads);
  }

  const perception = await createPerception(config.perception);
  let failures = 0;
  let drawn = 0;
  try {
    for (const [fileIndex, file] of files.entries()) {
      try {
        for await (const media of mediaFileFrames(file, {
          fps,
          videoWidth: Math.round(width),
          ffmpegPath: config.ffmpeg.ffmpegPath,
          ffprobePath: config.ffmpeg.ffprobePath,
        })) {
          const analysis = await perception.analyze(media.frame);
          const line = toJsonLine(file, media, analysis);
          console.log(args.values.json ? JSON.stringify(line) : summarise(line));
          if (args.values.draw) {
            const out = files.length === 1 && drawn === 0 && !isVideoLike(file)
              ? args.values.draw
              : numbered(args.values.draw, fileIndex, media.index);
            await drawAnalysis(media.frame, analysis, out);
            drawn += 1;
          }
        }
      } catch (err) {
        // One bad file must not stop the others: report it on one line and go on.
        failures += 1;
        const message = err instanceof MediaFileError ? err.message : `${file}: ${(err as Error).message}`;
        console.error(`mimamori analyze: ${message}`);
      }
    }
  } finally {
    await perception.close();
  }
  return failures > 0 ? 1 : 0;
}

export function toJsonLine(file: string, media: MediaFrame, analysis: FrameAnalysis): AnalyzeJsonLine {
  const toSource = (box: Box): Box => box.map((v) => round1(v / media.scale)) as Box;
  return {
    file,
    frame: media.index,
    ptsMs: media.ptsMs,
    width: media.width,
    height: media.height,
    people: analysis.people.map((p) => ({
      box: toSource(p.box),
      score: round3(p.score),
      phone: p.phone,
      phoneScore: round3(p.phoneScore),
    })),
    objects: analysis.objects.map((o) => ({ label: o.label, box: toSource(o.box), score: round3(o.score) })),
  };
}

function summarise(line: AnalyzeJsonLine): string {
  const people = line.people.length === 0
    ? 'no people'
    : line.people.map((p, i) => `#${i + 1} ${p.phone} ${p.phoneScore.toFixed(2)} at [${p.box.map(Math.round).join(', ')}]`).join('; ');
  const objects = line.objects.filter((o) => o.label !== 'person').map((o) => `${o.label} ${o.score.toFixed(2)}`);
  return `${line.file} frame ${line.frame} (${line.ptsMs} ms, ${line.width}x${line.height}): ${people}` +
    (objects.length > 0 ? ` | objects: ${objects.join(', ')}` : '');
}

function positiveNumber(flag: string, value: string | undefined, max: number): number | null {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max) {
    console.error(`mimamori analyze: ${flag} must be a number above 0 and at most ${max}, got "${value}"`);
    return null;
  }
  return n;
}

const VIDEO_EXTENSIONS = new Set(['.mp4', '.avi', '.mkv', '.mov', '.ts', '.webm', '.m4v', '.mjpeg', '.mpg']);
const isVideoLike = (file: string): boolean => VIDEO_EXTENSIONS.has(extname(file).toLowerCase());

function numbered(out: string, fileIndex: number, frame: number): string {
  const ext = extname(out) || '.png';
  return `${out.slice(0, out.length - extname(out).length)}-${fileIndex}-${frame}${ext}`;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
const round3 = (v: number): number => Math.round(v * 1000) / 1000;
