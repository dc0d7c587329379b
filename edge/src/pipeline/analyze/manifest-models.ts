/**
 * Model options taken from models/models.json, so the shipped models need no settings: the
 * manifest's tensor contracts become the checks each session runs when it loads.
 */
import { loadManifest, manifestModel, type Manifest, type ManifestModel, resolveFittedModel, resolveModelPath } from '../../../../models/src/index.js';
import { perceptionSchema } from '../../config/schema.js';
import { loadPhoneHeadCard } from '../phone/phone-head-card.js';
import type { PhoneHeadOptions } from '../phone/phone-head.js';
import type { DetectorModelOptions } from '../detect/detector.js';
import type { TensorContract } from '../detect/session.js';
import type { PoseModelOptions } from '../pose/movenet.js';
import type { AnalyzerModels } from './frame-analyzer.js';

/** The shipped models a config without perception settings uses: the schema's defaults. */
const DEFAULTS = perceptionSchema.parse({});
/** The detector output the phone head pools (see models.json). */
export const FEATURE_OUTPUT = 'features';

export async function modelsFromManifest(detector = DEFAULTS.detector.model, pose = DEFAULTS.pose.model, phoneHead: string | null = DEFAULTS.phone.head.model): Promise<AnalyzerModels> {
  const manifest = await loadManifest();
  const models: AnalyzerModels = {
    detector: await detectorFromManifest(manifest, detector),
    pose: await poseFromManifest(manifest, pose),
  };
  if (phoneHead !== null && phoneHead in manifest.fitted) {
    const head = await phoneHeadFromManifest(phoneHead);
    // A head is fitted on one detector's and one pose model's features: refuse it with others.
    const fittedOn = head.card.features;
    for (const [what, name, sha] of [['detector', detector, fittedOn.detector], ['pose model', pose, fittedOn.pose]] as const) {
      const entry = manifestModel(manifest, name);
      if (entry.sha256 !== sha) {
        throw new Error(`phone head '${phoneHead}' was fitted on a ${what} with SHA-256 ${sha.slice(0, 12)}…, but models.json's '${name}' is ${entry.sha256.slice(0, 12) || '(unpinned)'}…; refit it with npm run train:phone or use perception.phone.method: rule`);
      }
    }
    models.phoneHead = head;
  }
  return models;
}

/** A fitted phone head from models.json, with its card. */
export async function phoneHeadFromManifest(name: string): Promise<PhoneHeadOptions> {
  const files = await resolveFittedModel(name);
  return { path: files.path, card: await loadPhoneHeadCard(files.card) };
}

export async function detectorFromManifest(manifest: Manifest, name: string): Promise<DetectorModelOptions> {
  const entry = manifestEntry(manifest, name, 'detector');
  const decoder = entry.decoder;
  if (decoder !== 'centernet' && decoder !== 'yolo') {
    throw new Error(`models.json: model '${name}' has decoder '${decoder}', expected "centernet" or "yolo"`);
  }
  const labels = typeof entry.labels === 'string' ? manifest.labelMaps[entry.labels] : entry.labels;
  if (!labels) throw new Error(`models.json: detector '${name}' has no labels`);
  if (entry.input.dtype !== 'float32') throw new Error(`models.json: detector '${name}' input is ${entry.input.dtype}; detectors take float32`);
  if (entry.input.colour !== 'RGB') throw new Error(`models.json: detector '${name}' wants ${entry.input.colour}; only RGB input is supported`);
  const { input } = entry;
  const [height, width] = input.layout === 'NCHW' ? [input.shape[2], input.shape[3]] : [input.shape[1], input.shape[2]];
  if (height === undefined || width === undefined) throw new Error(`models.json: model '${name}' input shape [${input.shape.join(', ')}] is not rank 4`);
  return {
    path: await resolveModelPath(name),
    decoder,
    labels: [...labels],
    input: {
      name: input.name,
      width,
      height,
      layout: input.layout,
      range: [input.range[0], input.range[1]],
      resize: input.resize,
    },
    outputs: entry.outputs.map(contract),
    ...(entry.outputs.some((o) => o.name === FEATURE_OUTPUT) ? { featureOutput: FEATURE_OUTPUT } : {}),
  };
}

export async function poseFromManifest(manifest: Manifest, name: string): Promise<PoseModelOptions> {
  const entry = manifestEntry(manifest, name, 'pose');
  if (entry.decoder !== 'movenet') throw new Error(`models.json: pose model '${name}' has decoder '${entry.decoder}'; only "movenet" is supported`);
  const output = entry.outputs[0];
  if (!output) throw new Error(`models.json: pose model '${name}' lists no outputs`);
  const size = entry.input.shape[1];
  if (size === undefined) throw new Error(`models.json: pose model '${name}' input shape [${entry.input.shape.join(', ')}] is not rank 4`);
  return {
    path: await resolveModelPath(name),
    inputName: entry.input.name,
    outputName: output.name,
    inputSize: size,
    ...(entry.outputs.some((o) => o.name === FEATURE_OUTPUT) ? { featureOutput: FEATURE_OUTPUT } : {}),
  };
}

function manifestEntry(manifest: Manifest, name: string, kind: ManifestModel['kind']): ManifestModel {
  const entry = manifestModel(manifest, name);
  if (entry.kind !== kind) throw new Error(`models.json: model '${name}' is a ${entry.kind}, expected a ${kind}`);
  return entry;
}

function contract(o: ManifestModel['outputs'][number]): TensorContract {
  return { name: o.name, dtype: o.dtype, shape: [...o.shape] };
}
