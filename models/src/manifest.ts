/**
 * models/models.json: the single description of each shipped model (source, tensor contract,
 * decoder, labels, SHA-256 of the generated ONNX file). The schema is the source of the types.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { packageRoot } from './package-root.js';

const tensorDtype = z.enum(['float32', 'int32', 'int64', 'uint8']);
const dims = z.array(z.number().int().positive()).min(1);

export const modelInputSchema = z.strictObject({
  name: z.string().min(1).describe('ONNX input name'),
  dtype: tensorDtype,
  shape: dims,
  layout: z.enum(['NHWC', 'NCHW']),
  colour: z.enum(['RGB', 'BGR']),
  range: z.tuple([z.number(), z.number()]).describe('value range of the pixels the model expects, e.g. [0, 255]'),
  resize: z.enum(['stretch', 'letterbox']).describe('how a frame is fitted to the input size'),
  graphTensor: z.string().min(1).optional().describe('the source graph tensor (TF Placeholder) this input replaces'),
});

export const modelOutputSchema = z.strictObject({
  name: z.string().min(1).describe('ONNX output name'),
  dtype: tensorDtype,
  shape: dims,
  meaning: z.string(),
  graphTensor: z.string().min(1).optional().describe('the source graph tensor (node or node:k) the output is taken from'),
});

export const modelSourceSchema = z.strictObject({
  package: z.string().min(1).describe('npm package that ships the source graph'),
  version: z.string().min(1),
  graph: z.string().min(1).describe('path of the TFJS model.json inside the package'),
  upstream: z.url(),
  licence: z.string().min(1),
});

export const manifestModelSchema = z.strictObject({
  kind: z.enum(['detector', 'pose']),
  decoder: z.enum(['centernet', 'yolo', 'movenet']),
  source: modelSourceSchema,
  file: z.string().regex(/^[\w.-]+\.onnx$/, 'a plain file name ending in .onnx'),
  sha256: z.union([z.literal(''), z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits')]).describe('SHA-256 of the generated file; empty while the converter is in development'),
  input: modelInputSchema,
  outputs: z.array(modelOutputSchema).min(1),
  labels: z.union([z.string(), z.array(z.string())]).optional().describe('label map name in labelMaps, or the labels themselves'),
});

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits');

/**
 * A model fitted by this project (not converted from a package): its file is committed under
 * models/, with a card (JSON) beside it, and both hashes pinned here.
 */
export const fittedModelSchema = z.strictObject({
  kind: z.literal('phone-head'),
  file: z.string().regex(/^[\w.-]+\.onnx$/, 'a plain file name ending in .onnx'),
  sha256,
  card: z.string().regex(/^[\w.-]+\.json$/, 'a plain file name ending in .json'),
  cardSha256: sha256,
  training: z.strictObject({
    command: z.string().min(1).describe('the command that reproduces the file byte for byte'),
    data: z.string().min(1),
    licence: z.string().min(1),
  }),
  input: z.strictObject({ name: z.string().min(1), dtype: z.literal('float32'), features: z.int().positive() }),
  output: z.strictObject({ name: z.string().min(1), dtype: z.literal('float32'), classes: z.array(z.string()).min(2) }),
});

export const manifestSchema = z
  .strictObject({
    $comment: z.string().optional(),
    models: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), manifestModelSchema),
    fitted: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), fittedModelSchema).default({}),
    labelMaps: z.record(z.string(), z.array(z.string()).min(1)),
  })
  .superRefine((m, ctx) => {
    for (const [name, model] of Object.entries(m.models)) {
      if (typeof model.labels === 'string' && !(model.labels in m.labelMaps)) {
        ctx.addIssue({ code: 'custom', path: ['models', name, 'labels'], message: `label map '${model.labels}' is not in labelMaps` });
      }
    }
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestModel = z.infer<typeof manifestModelSchema>;
export type FittedModel = z.infer<typeof fittedModelSchema>;

export function defaultManifestPath(): string {
  return path.join(packageRoot(), 'models', 'models.json');
}

/** Validates already-parsed JSON; `source` only names the file in errors. No I/O. */
export function parseManifest(json: unknown, source = 'models.json'): Manifest {
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source} is invalid: ${issues.join('; ')}`);
  }
  return result.data;
}

export async function loadManifest(manifestPath = defaultManifestPath()): Promise<Manifest> {
  const text = await readFile(manifestPath, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${manifestPath} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return parseManifest(json, manifestPath);
}

/** The fitted model `name`, or an error listing the known names. */
export function fittedModel(manifest: Manifest, name: string): FittedModel {
  const entry = manifest.fitted[name];
  if (!entry) throw new Error(`models.json has no fitted model '${name}' (known: ${Object.keys(manifest.fitted).join(', ') || 'none'})`);
  return entry;
}

/** The entry for `name`, or an error listing the known names. */
export function manifestModel(manifest: Manifest, name: string): ManifestModel {
  const entry = manifest.models[name];
  if (!entry) throw new Error(`models.json has no model '${name}' (known: ${Object.keys(manifest.models).join(', ')})`);
  return entry;
}
