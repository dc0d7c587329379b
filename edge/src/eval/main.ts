/**
 * `npm run eval -- [folder] [--list-errors] [--json]`: runs the analyzer over a labelled folder and
 * prints per-class precision/recall and the confusion matrix.
 */
import { parseArgs } from 'node:util';
import { parseConfig, loadConfig } from '../config/load.js';
import { createPerception } from '../pipeline/analyze/perception.js';
import { decodeImageFile } from '../pipeline/decode/image-file.js';
import { imageVerdict } from './image-verdict.js';
import { listLabelledImages } from './labelled-folder.js';
import { evaluate, formatReport, type EvalLabel } from './metrics.js';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'list-errors': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      config: { type: 'string' },
    },
  });
  const root = positionals[0] ?? '../shared/eval/images';
  const files = await listLabelledImages(root);
  const config = values.config ? await loadConfig(values.config) : parseConfig({});
  const perception = await createPerception(config.perception);
  const pairs: { file: string; truth: EvalLabel; predicted: EvalLabel; scores: string }[] = [];
  let falseCallPeopleOnNoPhone = 0;
  let peopleOnNoPhone = 0;
  const started = performance.now();
  try {
    for (const { file, truth } of files) {
      let predicted: EvalLabel = 'no_person';
      let scores = '';
      try {
        const image = await decodeImageFile(file);
        const analysis = await perception.analyze(image.frame);
        predicted = imageVerdict(analysis);
        scores = analysis.people.map((p) => `${p.phone}:${p.phoneScore.toFixed(2)}(${p.evidence.reason})`).join(' ');
        if (truth === 'no_phone_person') {
          peopleOnNoPhone += analysis.people.length;
          falseCallPeopleOnNoPhone += analysis.people.filter((p) => p.phone === 'call').length;
        }
      } catch (err) {
        // An unreadable file counts as a miss rather than ending the run.
        console.error(`eval: ${file}: ${(err as Error).message}`);
      }
      pairs.push({ file, truth, predicted, scores });
    }
  } finally {
    await perception.close();
  }
  const report = evaluate(pairs);
  const seconds = (performance.now() - started) / 1000;
  if (values.json) {
    console.log(JSON.stringify({ root, ...report, falseCallPeopleOnNoPhone, peopleOnNoPhone, seconds }));
  } else {
    console.log(`labelled folder: ${root}`);
    console.log(formatReport(report));
    console.log(`\npeople in no_phone_person images said to be on a call: ${falseCallPeopleOnNoPhone} of ${peopleOnNoPhone}`);
    console.log(`time: ${seconds.toFixed(1)} s (${((seconds * 1000) / pairs.length).toFixed(0)} ms per image)`);
  }
  if (values['list-errors']) {
    for (const p of pairs) if (p.truth !== p.predicted) console.log(`${p.truth} -> ${p.predicted}  ${p.file}  ${p.scores}`);
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
