import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { defaultManifestPath, loadManifest, parseManifest } from '../src/manifest.js';

async function rawManifest(): Promise<{ models: Record<string, Record<string, unknown>>; fitted: Record<string, Record<string, unknown>>; labelMaps: Record<string, string[]> }> {
  return JSON.parse(await readFile(defaultManifestPath(), 'utf8'));
}

describe('models.json', () => {
  it('parses, with a label map of 80 COCO names where person is 0 and cell phone 67', async () => {
    const manifest = await loadManifest();
    expect(Object.keys(manifest.models)).toEqual(['centernet', 'movenet-lightning']);
    const coco = manifest.labelMaps.coco80;
    expect(coco).toHaveLength(80);
    expect([coco?.[0], coco?.[67]]).toEqual(['person', 'cell phone']);
    expect(manifest.models.centernet?.input.range).toEqual([0, 255]);
  });

  it('names the path of an invalid field', async () => {
    const raw = await rawManifest();
    (raw.models.centernet as { sha256: string }).sha256 = 'ABC';
    expect(() => parseManifest(raw, 'x.json')).toThrow(/x\.json is invalid: models\.centernet\.sha256: /);
  });

  it('rejects unknown fields (typos) and dangling label maps', async () => {
    const typo = await rawManifest();
    (typo.models.centernet as Record<string, unknown>).shaa256 = '';
    expect(() => parseManifest(typo)).toThrow(/models\.centernet: Unrecognized key/);
    const dangling = await rawManifest();
    (dangling.models.centernet as { labels: string }).labels = 'coco91';
    expect(() => parseManifest(dangling)).toThrow(/models\.centernet\.labels: label map 'coco91' is not in labelMaps/);
  });

  it('describes the fitted phone head: its input size and classes, and names a bad field of it', async () => {
    const manifest = await loadManifest();
    const head = manifest.fitted['phone-head'];
    expect(head?.output.classes).toEqual(['call', 'hand', 'none']);
    expect(head?.input.features).toBeGreaterThan(100);
    const raw = await rawManifest();
    (raw.fitted['phone-head'] as { file: string }).file = '../escape.onnx';
    expect(() => parseManifest(raw, 'x.json')).toThrow(/x\.json is invalid: fitted\.phone-head\.file: a plain file name ending in \.onnx/);
  });
});
