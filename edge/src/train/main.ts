/**
 * `npm run train:phone -- [--data <folder>] [--seed N] [--out <file.onnx>] [--check]`
 *
 * Fits the learned phone head on a labelled folder (default: ../shared/train/stanford40), prints
 * cross-validated figures and writes `<out>` and its card `<out without .onnx>.json`. Writing the
 * default models/phone-head.onnx also pins both hashes in models/models.json. With `--check` nothing
 * is written: the fit is compared byte for byte with the files already there.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultManifestPath, loadManifest, ensureModels, fileSha256, sha256, writeAtomically, packageRoot } from '../../../models/src/index.js';
import { parseConfig } from '../config/load.js';
import { startAnalyzerPool, resolveAnalyzerOptions } from '../pipeline/analyze/analyzer-pool.js';
import { analyzerOptionsFromConfig } from '../pipeline/analyze/perception.js';
import { cardPathFor } from '../pipeline/phone/phone-head-card.js';
import { HEAD_INPUT, HEAD_OUTPUT } from '../pipeline/phone/phone-head.js';
import { AUGMENTATIONS, type Augmentation } from './augment.js';
import { DEFAULT_COMPOSITION, type Composition } from './operating-point.js';
import { trainPhoneHead, writeHead } from './train-phone-head.js';
import { TRAIN_CLASSES } from './training-set.js';

/** The head the agent loads by default is the one this writes and pins. */
const DEFAULT_HEAD = parseConfig({}).perception.phone.head.model;

function numbers(text: string, what: string): number[] {
  const v = text.split(',').map((t) => Number(t.trim()));
  if (v.length === 0 || v.some((x) => !Number.isFinite(x) || x < 0)) throw new Error(`--${what}: expected comma-separated non-negative numbers, got '${text}'`);
  return v;
}

function composition(text: string | undefined): Composition {
  if (!text) return DEFAULT_COMPOSITION;
  const out = { ...DEFAULT_COMPOSITION };
  for (const part of text.split(',')) {
    const [k, v] = part.split('=');
    if (!k || !(TRAIN_CLASSES as readonly string[]).includes(k) || v === undefined || !(Number(v) > 0 && Number(v) < 1)) {
      throw new Error(`--composition: expected e.g. call=0.33,hand=0.17 (shares between 0 and 1), got '${part}'`);
    }
    out[k as keyof Composition] = Number(v);
  }
  out.none = 1 - out.call - out.hand;
  if (out.none <= 0) throw new Error('--composition: call and hand shares must leave room for none');
  return out;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: '../shared/train/stanford40' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      folds: { type: 'string', default: '5' },
      augment: { type: 'string', default: AUGMENTATIONS.join(',') },
      l2: { type: 'string', default: '0.03,0.1,0.3' },
      hidden: { type: 'string', default: '0' },
      epochs: { type: 'string', default: '60' },
      workers: { type: 'string', default: '2' },
      composition: { type: 'string' },
      cache: { type: 'string', default: join(packageRoot(), 'models', 'cache', 'train') },
      'no-cache': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed: expected an integer, got '${values.seed}'`);
  const augment = values.augment.split(',').map((a) => a.trim());
  for (const a of augment) if (!(AUGMENTATIONS as readonly string[]).includes(a)) throw new Error(`--augment: '${a}' is not one of ${AUGMENTATIONS.join(', ')}`);
  if (!augment.includes('original')) throw new Error('--augment must include original (cross-validation is judged on the original photos)');
  const defaultOut = join(packageRoot(), 'models', `${DEFAULT_HEAD}.onnx`);
  const out = values.out ? resolve(values.out) : defaultOut;
  if (!out.endsWith('.onnx')) throw new Error(`--out: expected a file name ending in .onnx, got '${values.out}'`);

  // Not the fitted head: refitting must work even when the committed head is stale or damaged.
  const prepared = await ensureModels({ fitted: false });
  // The agent's own perception settings (rule method: the head being fitted must not decide anything).
  const config = parseConfig({ perception: { workers: Number(values.workers), phone: { method: 'rule' } } });
  // The head is fitted on the features of the default detector and pose model: its card pins their hashes.
  const { detector, pose } = config.perception;
  const detectorSha = prepared[detector.model]?.sha256;
  const poseSha = prepared[pose.model]?.sha256;
  if (!detectorSha || !poseSha) throw new Error(`models.json lost ${detector.model} or ${pose.model}`);
  const poolOptions = await analyzerOptionsFromConfig(config.perception);
  const pool = await startAnalyzerPool(poolOptions);
  try {
    const result = await trainPhoneHead({
      data: values.data,
      seed,
      folds: Number(values.folds),
      augment: augment as Augmentation[],
      l2: numbers(values.l2, 'l2'),
      hidden: numbers(values.hidden, 'hidden').map(Math.round),
      epochs: Math.round(Number(values.epochs)),
      composition: composition(values.composition),
      cacheDir: values['no-cache'] ? null : values.cache,
      pool,
      analyzer: await resolveAnalyzerOptions(poolOptions),
      modelHashes: { detector: detectorSha, pose: poseSha },
      log: (line) => console.log(line),
    });
    const onnxSha = sha256(result.onnx);
    const cardSha = sha256(result.cardBytes);
    const cardFile = cardPathFor(out);
    console.log(`head: ${result.onnx.length} bytes, SHA-256 ${onnxSha}; card SHA-256 ${cardSha}`);
    console.log(result.learnedBeatsRule ? 'the learned head beats the rule by cross-validation' : 'the learned head does NOT beat the rule by cross-validation: keep perception.phone.method: rule');
    if (values.check) {
      const [a, b] = [await fileSha256(out), await fileSha256(cardFile)];
      const same = a === onnxSha && b === cardSha;
      console.log(same ? `identical to ${out} and its card` : `differs from ${out} (${a ?? 'missing'}) or its card (${b ?? 'missing'})`);
      return same ? 0 : 1;
    }
    await writeHead(out, cardFile, result);
    console.log(`wrote ${out} and ${cardFile}`);
    if (out === defaultOut) await pinInManifest(onnxSha, cardSha, result.card.features.count);
    return 0;
  } finally {
    await pool.close();
  }
}

/** Pins the committed head's hashes in models.json, so an edited file is refused at install. */
async function pinInManifest(onnxSha: string, cardSha: string, features: number): Promise<void> {
  const file = defaultManifestPath();
  await loadManifest(file); // validates before touching it
  const json = JSON.parse(await readFile(file, 'utf8')) as { fitted?: Record<string, unknown> };
  const before = JSON.stringify(json.fitted?.[DEFAULT_HEAD] ?? null);
  json.fitted = {
    ...json.fitted,
    [DEFAULT_HEAD]: {
      kind: 'phone-head',
      file: `${DEFAULT_HEAD}.onnx`,
      sha256: onnxSha,
      card: `${DEFAULT_HEAD}.json`,
      cardSha256: cardSha,
      training: {
        command: 'npm run train:phone',
        data: 'Stanford 40 Actions (../shared/train/stanford40): 2,715 labelled web photos',
        licence: 'research use only (Stanford 40 Actions); see models/README.md before commercial use',
      },
      input: { name: HEAD_INPUT, dtype: 'float32', features },
      output: { name: HEAD_OUTPUT, dtype: 'float32', classes: ['call', 'hand', 'none'] },
    },
  };
  const changed = JSON.stringify(json.fitted[DEFAULT_HEAD]) !== before;
  await writeAtomically(file, new TextEncoder().encode(JSON.stringify(json, null, 2) + '\n'));
  await loadManifest(file);
  console.log(changed ? `models.json: pinned ${DEFAULT_HEAD} (${onnxSha.slice(0, 12)}…)` : 'models.json: unchanged');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`train:phone: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
