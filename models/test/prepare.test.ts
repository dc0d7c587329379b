import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertManifestModel } from '../src/convert/convert-manifest-model.js';
import { defaultManifestPath, loadManifest, type Manifest } from '../src/manifest.js';
import { packageRoot } from '../src/package-root.js';
import { checkFittedModels, ensureModels, fittedModelDir, modelCacheDir, resolveFittedModel, resolveModelPath } from '../src/prepare.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('conversion output', () => {
  let manifest: Manifest;
  beforeAll(async () => {
    manifest = await loadManifest();
  });

  it('is byte-identical across runs and matches the SHA-256 pinned in models.json', async () => {
    for (const [name, entry] of Object.entries(manifest.models)) {
      const first = await convertManifestModel(name, entry, packageRoot());
      const second = await convertManifestModel(name, entry, packageRoot());
      expect(Buffer.from(first).equals(Buffer.from(second)), `${name} converts to the same bytes twice`).toBe(true);
      expect(entry.sha256, `${name} has a pinned sha256`).toMatch(/^[0-9a-f]{64}$/);
      expect(sha256(first), `${name} matches models.json`).toBe(entry.sha256);
    }
  });
});

describe('ensureModels', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mimamori-models-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('converts missing models, then serves them from the cache', async () => {
    const cacheDir = path.join(dir, 'cache');
    const first: object[] = [];
    const result = await ensureModels({ cacheDir, log: (e) => first.push(e) });
    const manifest = await loadManifest();
    for (const [name, entry] of Object.entries(manifest.models)) {
      expect(result[name]).toEqual({ path: path.join(cacheDir, entry.file), sha256: entry.sha256 });
      expect(sha256(await readFile(path.join(cacheDir, entry.file)))).toBe(entry.sha256);
    }
    const actions = (log: object[]): string[] => log.map((e) => (e as { action: string }).action);
    const fitted = Object.keys(manifest.fitted).map(() => 'checked');
    expect(actions(first)).toEqual([...Object.keys(manifest.models).map(() => 'converted'), ...fitted]);

    const second: object[] = [];
    await ensureModels({ cacheDir, log: (e) => second.push(e) });
    expect(actions(second)).toEqual([...Object.keys(manifest.models).map(() => 'cached'), ...fitted]);
  });

  it('replaces a corrupted cached file', async () => {
    const cacheDir = path.join(dir, 'corrupt');
    const [name, entry] = Object.entries((await loadManifest()).models)[0] ?? [];
    if (!name || !entry) throw new Error('models.json lists no models');
    await ensureModels({ cacheDir });
    await writeFile(path.join(cacheDir, entry.file), 'not a model');
    const log: object[] = [];
    await ensureModels({ cacheDir, log: (e) => log.push(e) });
    expect(log[0]).toMatchObject({ model: name, action: 'converted' });
    expect(sha256(await readFile(path.join(cacheDir, entry.file)))).toBe(entry.sha256);
  });

  it('fails naming the model and file when the conversion does not match the pinned SHA-256, and writes nothing', async () => {
    const manifest = JSON.parse(await readFile(defaultManifestPath(), 'utf8')) as { models: Record<string, { sha256: string; file: string }> };
    const [name, entry] = Object.entries(manifest.models)[0] ?? [];
    if (!name || !entry) throw new Error('models.json lists no models');
    manifest.models = { [name]: { ...entry, sha256: '0'.repeat(64) } };
    const manifestPath = path.join(dir, 'models.json');
    await writeFile(manifestPath, JSON.stringify(manifest));
    const cacheDir = path.join(dir, 'mismatch');
    await expect(ensureModels({ cacheDir, manifestPath })).rejects.toThrow(new RegExp(`model ${name}: the converted ${entry.file.replace('.', '\\.')} has SHA-256 [0-9a-f]{64} but models.json expects 0{64}`));
    expect(existsSync(path.join(cacheDir, entry.file))).toBe(false);
  });
});

describe('model paths', () => {
  it('honours MIMAMORI_MODEL_DIR and defaults to models/cache under the package root', () => {
    const saved = process.env.MIMAMORI_MODEL_DIR;
    try {
      process.env.MIMAMORI_MODEL_DIR = '/somewhere/else';
      expect(modelCacheDir()).toBe('/somewhere/else');
      delete process.env.MIMAMORI_MODEL_DIR;
      expect(modelCacheDir()).toBe(path.join(packageRoot(), 'models', 'cache'));
    } finally {
      if (saved === undefined) delete process.env.MIMAMORI_MODEL_DIR;
      else process.env.MIMAMORI_MODEL_DIR = saved;
    }
  });

  it('resolveModelPath names unknown models and unprepared files', async () => {
    await expect(resolveModelPath('no-such-model')).rejects.toThrow(/no model 'no-such-model' \(known: centernet, movenet-lightning\)/);
    await expect(resolveModelPath('centernet', { cacheDir: '/nonexistent-cache' })).rejects.toThrow(/model centernet: \/nonexistent-cache\/centernet\.onnx does not exist; run `npm run models`/);
  });
});

describe('fitted models (the phone head, committed under models/)', () => {
  it('are the files models.json pins, head and card', async () => {
    const manifest = await loadManifest();
    expect(Object.keys(manifest.fitted)).toContain('phone-head');
    const checked = await checkFittedModels(manifest);
    for (const [name, entry] of Object.entries(manifest.fitted)) {
      expect(checked[name]).toEqual({ path: path.join(fittedModelDir(), entry.file), sha256: entry.sha256 });
      expect(sha256(await readFile(path.join(fittedModelDir(), entry.card)))).toBe(entry.cardSha256);
    }
    expect(await resolveFittedModel('phone-head')).toEqual({ path: path.join(fittedModelDir(), 'phone-head.onnx'), card: path.join(fittedModelDir(), 'phone-head.json') });
  });

  it('refuses an edited or missing file, naming it and the command that refits it', async () => {
    const manifest = await loadManifest();
    const entry = manifest.fitted['phone-head'];
    if (!entry) throw new Error('models.json has no phone-head');
    const dir = await mkdtemp(path.join(tmpdir(), 'mimamori-fitted-'));
    try {
      await expect(checkFittedModels(manifest, dir)).rejects.toThrow(`fitted model phone-head: ${path.join(dir, entry.file)} does not exist`);
      await writeFile(path.join(dir, entry.file), await readFile(path.join(fittedModelDir(), entry.file)));
      await writeFile(path.join(dir, entry.card), '{"edited": true}');
      await expect(checkFittedModels(manifest, dir)).rejects.toThrow(
        new RegExp(`fitted model phone-head: ${path.join(dir, entry.card).replace(/[.]/g, '\\.')} has SHA-256 [0-9a-f]{64} but models.json expects ${entry.cardSha256}; refit with \`npm run train:phone\``),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('resolveFittedModel names unknown fitted models', async () => {
    await expect(resolveFittedModel('no-such-head')).rejects.toThrow(/no fitted model 'no-such-head' \(known: phone-head\)/);
  });
});
