/**
 * Makes sure every model in models.json exists as ONNX in the model cache, converting it when the
 * cached file is missing or stale, and checking the result against the manifest's SHA-256.
 * Also a script: `node dist/models/src/prepare.js` (npm's `prepare`) prints one JSON line per model.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { convertManifestModel } from './convert/convert-manifest-model.js';
import { defaultManifestPath, fittedModel, loadManifest, manifestModel, type Manifest } from './manifest.js';
import { packageRoot } from './package-root.js';

export interface EnsureModelsOptions {
  /** Where the .onnx files go; default MIMAMORI_MODEL_DIR, else models/cache/ under the package root. */
  cacheDir?: string;
  /** Receives one entry per model: { event: 'model', model, action: 'cached' | 'converted', path, sha256, ms }. */
  log?: (entry: object) => void;
  /** models.json to use; the package's own by default. */
  manifestPath?: string;
  /** Also check the committed fitted models (default true; the command that refits them skips it). */
  fitted?: boolean;
}

export interface PreparedModel {
  path: string;
  sha256: string;
}

export function modelCacheDir(): string {
  return process.env.MIMAMORI_MODEL_DIR || path.join(packageRoot(), 'models', 'cache');
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function fileSha256(file: string): Promise<string | undefined> {
  if (!existsSync(file)) return undefined;
  return sha256(await readFile(file));
}

/** Temp file + rename, so a reader never sees half a model and concurrent runs cannot interleave. */
export async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

export async function ensureModels(opts: EnsureModelsOptions = {}): Promise<Record<string, PreparedModel>> {
  const manifest = await loadManifest(opts.manifestPath ?? defaultManifestPath());
  const cacheDir = opts.cacheDir ?? modelCacheDir();
  await mkdir(cacheDir, { recursive: true });
  const result: Record<string, PreparedModel> = {};
  for (const [name, entry] of Object.entries(manifest.models)) {
    const started = performance.now();
    const file = path.join(cacheDir, entry.file);
    const cachedSha = await fileSha256(file);
    // With no pinned hash (converter in development) the cache cannot be trusted, so convert again.
    if (entry.sha256 !== '' && cachedSha === entry.sha256) {
      result[name] = { path: file, sha256: cachedSha };
      opts.log?.({ event: 'model', model: name, action: 'cached', path: file, sha256: cachedSha, ms: Math.round(performance.now() - started) });
      continue;
    }
    const bytes = await convertManifestModel(name, entry, packageRoot());
    const actual = sha256(bytes);
    if (entry.sha256 !== '' && actual !== entry.sha256) {
      throw new Error(
        `model ${name}: the converted ${entry.file} has SHA-256 ${actual} but models.json expects ${entry.sha256}; ` +
          'the source package or the converter changed. If the change is intended, check parity and update sha256 in models/models.json.',
      );
    }
    await writeAtomically(file, bytes);
    result[name] = { path: file, sha256: actual };
    opts.log?.({
      event: 'model',
      model: name,
      action: 'converted',
      path: file,
      sha256: actual,
      bytes: bytes.length,
      ms: Math.round(performance.now() - started),
      ...(entry.sha256 === '' ? { warning: 'models.json has no sha256 for this model' } : {}),
    });
  }
  for (const [name, file] of Object.entries(opts.fitted === false ? {} : await checkFittedModels(manifest))) {
    result[name] = file;
    opts.log?.({ event: 'model', model: name, action: 'checked', path: file.path, sha256: file.sha256 });
  }
  return result;
}

/** Folder of the committed fitted models (and their cards). */
export function fittedModelDir(): string {
  return path.join(packageRoot(), 'models');
}

/**
 * The committed fitted models (the phone head) need no conversion, only a check that the file and
 * its card are the ones models.json pins, so an edited or truncated file fails at install.
 */
export async function checkFittedModels(manifest: Manifest, dir = fittedModelDir()): Promise<Record<string, PreparedModel>> {
  const result: Record<string, PreparedModel> = {};
  for (const [name, entry] of Object.entries(manifest.fitted)) {
    for (const [file, want] of [[entry.file, entry.sha256], [entry.card, entry.cardSha256]] as const) {
      const full = path.join(dir, file);
      const actual = await fileSha256(full);
      if (actual === undefined) throw new Error(`fitted model ${name}: ${full} does not exist (it is committed with the repository)`);
      if (actual !== want) {
        throw new Error(`fitted model ${name}: ${full} has SHA-256 ${actual} but models.json expects ${want}; refit with \`${entry.training.command}\` or restore the file`);
      }
    }
    result[name] = { path: path.join(dir, entry.file), sha256: entry.sha256 };
  }
  return result;
}

/** Path of a committed fitted model and its card. */
export async function resolveFittedModel(name: string, opts: { manifestPath?: string } = {}): Promise<{ path: string; card: string }> {
  const manifest = await loadManifest(opts.manifestPath ?? defaultManifestPath());
  const entry = fittedModel(manifest, name);
  return { path: path.join(fittedModelDir(), entry.file), card: path.join(fittedModelDir(), entry.card) };
}

/** Path of a model's ONNX file in the cache; fails with a hint when it has not been prepared. */
export async function resolveModelPath(name: string, opts: { cacheDir?: string; manifestPath?: string } = {}): Promise<string> {
  const manifest = await loadManifest(opts.manifestPath ?? defaultManifestPath());
  const file = path.join(opts.cacheDir ?? modelCacheDir(), manifestModel(manifest, name).file);
  if (!existsSync(file)) throw new Error(`model ${name}: ${file} does not exist; run \`npm run models\` (or ensureModels()) first`);
  return file;
}

const invokedAsScript = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedAsScript) {
  ensureModels({ log: (entry) => console.log(JSON.stringify(entry)) }).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
