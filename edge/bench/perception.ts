/**
 * `npm run bench`: per-stage perception timings on this machine, with 1 and 2 onnxruntime threads.
 * Prints markdown tables for docs/benchmarks.md. A benchmark, not a test: nothing is asserted.
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { parseConfig } from '../src/config/load.js';
import { createPerception } from '../src/pipeline/analyze/perception.js';
import { decodeImageFile } from '../src/pipeline/decode/image-file.js';
import type { RgbFrame } from '../src/pipeline/types.js';
import { summarise } from './stats.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    image: { type: 'string', default: '/usr/share/doc/opencv-doc/examples/data/basketball1.png' },
  },
});
const runs = Number(values.runs);
const imageFile = values.image;

async function frameAtWidth(file: string, width: number): Promise<RgbFrame> {
  const { data, info } = await sharp(file).resize({ width }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

const fmt = (v: number): string => v.toFixed(1);
const row = (name: string, samples: number[]): string => {
  const s = summarise(samples);
  return `| ${name} | ${fmt(s.median)} | ${fmt(s.p90)} | ${fmt(s.p99)} |`;
};

async function benchThreads(threads: number, frame: RgbFrame, method: 'learned' | 'rule' = 'learned'): Promise<number> {
  const config = parseConfig({ perception: { threads, phone: { method } } });
  const perception = await createPerception(config.perception);
  const stages = { preprocess: [] as number[], detect: [] as number[], pose: [] as number[], decode: [] as number[], phone: [] as number[], wall: [] as number[], overhead: [] as number[] };
  let people = 0;
  try {
    for (let i = 0; i < 5; i++) await perception.analyze(frame); // warm-up
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const a = await perception.analyze(frame);
      const wall = performance.now() - t0;
      people = a.people.length;
      stages.preprocess.push(a.timings.preprocessMs);
      stages.detect.push(a.timings.detectMs);
      stages.pose.push(a.timings.poseMs);
      stages.decode.push(a.timings.decodeMs);
      stages.phone.push(a.timings.phoneMs / Math.max(1, a.people.length));
      stages.wall.push(wall);
      // Everything around inference: resizing, decoding, the phone rule, the worker round trip.
      stages.overhead.push(wall - a.timings.detectMs - a.timings.poseMs);
    }
  } finally {
    await perception.close();
  }
  const inference = summarise(stages.detect).median + summarise(stages.pose).median;
  console.log(`\n### ${threads} thread${threads > 1 ? 's' : ''}, phone method ${method}: ${frame.width}x${frame.height} frame, ${people} person(s), ${runs} runs (ms)\n`);
  console.log('| stage | median | p90 | p99 |\n|---|---|---|---|');
  console.log(row('preprocess (resize/normalise, detector + pose crops)', stages.preprocess));
  console.log(row('detector inference (centernet 512)', stages.detect));
  console.log(row('pose inference (movenet 192, all people)', stages.pose));
  console.log(row('decode (peaks, NMS, keypoints)', stages.decode));
  console.log(row(`phone decision per person (${method === 'learned' ? 'geometry, feature pooling, phone head' : 'geometry rule'})`, stages.phone));
  console.log(row('whole frame through the worker pool', stages.wall));
  console.log(row('overhead around inference', stages.overhead));
  console.log(`\noverhead / inference (medians): ${((100 * summarise(stages.overhead).median) / inference).toFixed(0)}%`);
  return summarise(stages.wall).median;
}

async function benchFiles(): Promise<void> {
  const config = parseConfig({});
  const perception = await createPerception(config.perception);
  const walls: number[] = [];
  try {
    for (let i = 0; i < Math.max(10, Math.round(runs / 2)); i++) {
      const t0 = performance.now();
      const image = await decodeImageFile(imageFile);
      await perception.analyze(image.frame);
      walls.push(performance.now() - t0);
    }
  } finally {
    await perception.close();
  }
  const s = summarise(walls);
  console.log(`\n### Whole image file through the analyzer (decode with sharp + analysis, 1 thread)\n`);
  console.log(`${walls.length} runs: median ${fmt(s.median)} ms, p90 ${fmt(s.p90)} ms → ${(1000 / s.mean).toFixed(1)} frames/s`);
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`## Perception benchmark\n\nMachine: ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`Image: ${imageFile} scaled to 640 px wide`);
const frame = await frameAtWidth(imageFile, 640);
const rule = await benchThreads(1, frame, 'rule');
const learned = await benchThreads(1, frame, 'learned');
console.log(`\nwhole frame, learned head vs rule (1 thread, medians): ${fmt(learned)} / ${fmt(rule)} ms = ${(learned / rule).toFixed(2)}×`);
await benchThreads(2, frame);
await benchFiles();
