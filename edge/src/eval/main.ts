/**
 * `npm run eval -- [folder] [--method learned|rule|both] [--videos <dir> | --no-videos]
 *                  [--list-errors] [--json] [--config site.yaml]`
 *
 * Runs the analyzer over a labelled folder (default ../shared/eval/images) and prints, for the
 * learned phone head and the rule side by side (one analysis serves both), per-class precision and
 * recall with 95% intervals, the confusion matrix, figures per source, and false calls on people
 * whose hands are away from the head. Then the event-level check on the videos beside the folder.
 * The development set is a check: nothing here is fitted or tuned on it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, parseConfig } from '../config/load.js';
import { createPerception } from '../pipeline/analyze/perception.js';
import { decodeImageFile } from '../pipeline/decode/image-file.js';
import type { FrameAnalysis } from '../pipeline/types.js';
import { imageVerdict, personPhone, type Method } from './image-verdict.js';
import { listLabelledImages } from './labelled-folder.js';
import { evaluate, formatRate, formatReport, wilson, type EvalLabel, type EvalReport, type Rate } from './metrics.js';
import { sourceOf } from './sources.js';
import { listVideos, videoEvents, type VideoResult } from './video-events.js';

interface ImageResult {
  file: string;
  truth: EvalLabel;
  source: string;
  analysis: FrameAnalysis | null;
}

interface MethodReport {
  method: Method;
  report: EvalReport;
  callPrecision: Rate;
  callRecall: Rate;
  handPrecision: Rate;
  handRecall: Rate;
  /** People in images without a call, with a wrist seen far from the head, said to be on a call. */
  falseCallsHandsAway: Rate;
  /** People in no_phone_person images said to be on a call. */
  falseCallsNoPhone: Rate;
  bySource: { source: string; images: number; callPrecision: Rate; callRecall: Rate }[];
  errors: { file: string; truth: EvalLabel; predicted: EvalLabel }[];
}

function methodReport(method: Method, results: readonly ImageResult[], farFromHead: number): MethodReport {
  const pairs = results.map((r) => ({ truth: r.truth, predicted: r.analysis ? imageVerdict(r.analysis, method) : ('no_person' as EvalLabel) }));
  const report = evaluate(pairs);
  const cls = (label: EvalLabel): { precision: Rate; recall: Rate } => {
    const c = report.perClass.find((x) => x.label === label);
    return { precision: wilson(c?.truePositives ?? 0, c?.predicted ?? 0), recall: wilson(c?.truePositives ?? 0, c?.support ?? 0) };
  };
  let away = 0;
  let awayCalled = 0;
  let noPhone = 0;
  let noPhoneCalled = 0;
  for (const r of results) {
    if (!r.analysis || r.truth === 'phone_call') continue;
    for (const p of r.analysis.people) {
      const called = personPhone(p, method) === 'call';
      if (r.truth === 'no_phone_person') {
        noPhone++;
        if (called) noPhoneCalled++;
      }
      if (Number.isFinite(p.evidence.wristToHead) && p.evidence.wristToHead >= farFromHead) {
        away++;
        if (called) awayCalled++;
      }
    }
  }
  const sources = [...new Set(results.map((r) => r.source))].sort();
  const bySource = sources.map((source) => {
    const idx = results.map((r, i) => [r, i] as const).filter(([r]) => r.source === source).map(([, i]) => i);
    const sub = evaluate(idx.map((i) => pairs[i] as (typeof pairs)[number]));
    return {
      source,
      images: idx.length,
      callPrecision: wilson(sub.call.truePositives, sub.call.truePositives + sub.call.falsePositives),
      callRecall: wilson(sub.call.truePositives, sub.call.truePositives + sub.call.falseNegatives),
    };
  });
  return {
    method,
    report,
    callPrecision: cls('phone_call').precision,
    callRecall: cls('phone_call').recall,
    handPrecision: cls('phone_in_hand').precision,
    handRecall: cls('phone_in_hand').recall,
    falseCallsHandsAway: wilson(awayCalled, away),
    falseCallsNoPhone: wilson(noPhoneCalled, noPhone),
    bySource,
    errors: results.flatMap((r, i) => (pairs[i]?.predicted !== r.truth ? [{ file: r.file, truth: r.truth, predicted: pairs[i]?.predicted as EvalLabel }] : [])),
  };
}

function printMethod(m: MethodReport): void {
  console.log(`\n## ${m.method}\n`);
  console.log(formatReport(m.report));
  console.log(`\ncall precision ${formatRate(m.callPrecision)}, recall ${formatRate(m.callRecall)}  (95% Wilson intervals)`);
  console.log(`hand precision ${formatRate(m.handPrecision)}, recall ${formatRate(m.handRecall)}`);
  console.log(`false calls on people with the hands away from the head: ${formatRate(m.falseCallsHandsAway)}`);
  console.log(`false calls on people in no_phone_person images: ${formatRate(m.falseCallsNoPhone)}`);
  console.log('\nby source                               images  call precision              call recall');
  for (const s of m.bySource) console.log(`${s.source.padEnd(40)} ${String(s.images).padStart(6)}  ${formatRate(s.callPrecision).padEnd(27)} ${formatRate(s.callRecall)}`);
}

function printVideos(videos: readonly VideoResult[]): void {
  console.log('\n## events on the development videos (one ATM zone over the whole frame, 5 fps)\n');
  for (const v of videos) {
    const verdict = v.expected === 'call'
      ? v.firstCallSeconds !== null ? `ok: call after ${v.firstCallSeconds} s` : 'MISSED: no high-severity phone_at_atm'
      : v.callEvents === 0 ? 'ok: no call event' : `FALSE: ${v.callEvents} call event(s), first after ${v.firstCallSeconds} s`;
    console.log(`${v.file}  (${v.seconds} s, expected ${v.expected}): phone_at_atm ${v.phoneEvents}, of which calls ${v.callEvents}; ${verdict}`);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'list-errors': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      config: { type: 'string' },
      method: { type: 'string', default: 'both' },
      videos: { type: 'string' },
      'no-videos': { type: 'boolean', default: false },
    },
  });
  const root = positionals[0] ?? '../shared/eval/images';
  if (!['learned', 'rule', 'both'].includes(values.method)) throw new Error(`--method: expected learned, rule or both, got '${values.method}'`);
  const methods: Method[] = values.method === 'both' ? ['learned', 'rule'] : [values.method as Method];
  const files = await listLabelledImages(root);
  const source = await sourceOf(root);
  const config = values.config ? await loadConfig(values.config) : parseConfig({});
  // One analysis serves both methods: with the head deciding, the rule's verdict is in the evidence.
  const method = methods.includes('learned') ? 'learned' : 'rule';
  const perception = await createPerception({ ...config.perception, phone: { ...config.perception.phone, method } });
  const results: ImageResult[] = [];
  const videos: VideoResult[] = [];
  const started = performance.now();
  try {
    for (const { file, truth } of files) {
      let analysis: FrameAnalysis | null = null;
      try {
        const image = await decodeImageFile(file);
        analysis = await perception.analyze(image.frame);
      } catch (err) {
        // An unreadable file counts as a miss rather than ending the run.
        console.error(`eval: ${file}: ${(err as Error).message}`);
      }
      results.push({ file, truth, source: source(file), analysis });
    }
    const videoDir = values.videos ?? join(dirname(root), 'videos');
    if (!values['no-videos'] && existsSync(videoDir)) {
      for (const file of await listVideos(videoDir)) videos.push(await videoEvents(file, perception));
    }
  } finally {
    await perception.close();
  }
  const reports = methods.map((m) => methodReport(m, results, config.perception.phone.farFromHead));
  const seconds = (performance.now() - started) / 1000;
  if (values.json) {
    console.log(JSON.stringify({ root, images: results.length, methods: reports.map(({ errors: _e, ...r }) => r), videos, seconds }));
  } else {
    console.log(`labelled folder: ${root} (${results.length} images); the phone head decides, the rule is the same analysis's rule verdict`);
    for (const r of reports) printMethod(r);
    if (videos.length > 0) printVideos(videos);
    console.log(`\ntime: ${seconds.toFixed(1)} s`);
  }
  if (values['list-errors']) {
    for (const r of reports) for (const e of r.errors) console.log(`${r.method}: ${e.truth} -> ${e.predicted}  ${e.file}`);
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`eval: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
