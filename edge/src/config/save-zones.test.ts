import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';
import { ConfigFileError, rewriteZones, saveCameraZones } from './save-zones.js';
import { zoneSchema, type ZoneConfig } from './schema.js';

const SAMPLE = readFileSync(new URL('../../../deploy/sample/site.yaml', import.meta.url), 'utf8');
const zone = (raw: Record<string, unknown>): ZoneConfig => zoneSchema.parse(raw);
const CARDS = zone({ id: 'cards', kind: 'emoney_rack', dwellSeconds: 15, polygon: [[0.72, 0.2], [1, 0.2], [1, 0.55], [0.72, 0.55]] });
const ATM = zone({ id: 'atm-front', kind: 'atm', atmId: 'atm1', minSeconds: 3, polygon: [[0.3, 0.45], [0.7, 0.45], [0.7, 1], [0.3, 1]] });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function sampleFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-zones-'));
  dirs.push(dir);
  const file = join(dir, 'site.yaml');
  writeFileSync(file, SAMPLE, { mode: 0o640 });
  chmodSync(file, 0o640);
  return file;
}

describe('rewriteZones', () => {
  it('gives back the file unchanged when the zones are the same', () => {
    expect(rewriteZones('site.yaml', SAMPLE, 'street', [CARDS, ATM])).toBe(SAMPLE);
  });

  it('changes only the edited zone, keeping every comment and the rest of the file byte for byte', () => {
    const moved = { ...CARDS, dwellSeconds: 20, polygon: [[0.1, 0.2], [0.123456, 0.2], [0.3, 0.9]] as [number, number][] };
    const out = rewriteZones('site.yaml', SAMPLE, 'street', [moved, ATM]);
    const before = SAMPLE.split('\n');
    const after = out.split('\n');
    expect(after).toHaveLength(before.length);
    const changed = after.filter((line, i) => line !== before[i]);
    expect(changed).toEqual(['      - {id: cards, kind: emoney_rack, dwellSeconds: 20, polygon: [[0.1, 0.2], [0.1235, 0.2], [0.3, 0.9]]}']);
    for (const comment of before.filter((l) => l.trim().startsWith('#'))) expect(out).toContain(comment);
  });

  it('adds a new zone without writing its defaults, and removes a zone with its own comment', () => {
    const door = zone({ id: 'door', kind: 'entrance', polygon: [[0, 0], [0.2, 0], [0.2, 0.3]] });
    const out = rewriteZones('site.yaml', SAMPLE, 'street', [CARDS, door]);
    expect(out).toContain('      - {id: door, kind: entrance, polygon: [[0, 0], [0.2, 0], [0.2, 0.3]]}');
    expect(out).not.toContain('atm-front');
    expect(out).not.toContain('The lower middle of the street');
    expect(out).toContain('# Where two pedestrians of the street video stop');
  });

  it('refuses a camera that is not in the file, and a file with other problems, naming them', () => {
    expect(() => rewriteZones('site.yaml', SAMPLE, 'nope', [])).toThrow(ConfigFileError);
    expect(() => rewriteZones('site.yaml', SAMPLE, 'nope', [])).toThrow('site.yaml: camera "nope" is not in this file\'s cameras');
    const broken = SAMPLE.replace('analysis: { fps: 5, width: 640 }', 'analysis: { fps: 500, width: 640 }');
    expect(() => rewriteZones('site.yaml', broken, 'street', [CARDS])).toThrow(/cameras\[0\]\.analysis\.fps/);
    expect(() => rewriteZones('site.yaml', 'cameras: [', 'street', [CARDS])).toThrow(/not valid YAML/);
    // What `mimamori run` would refuse at the next start is refused now.
    expect(() => rewriteZones('site.yaml', SAMPLE.replace('site: sample-store\n', ''), 'street', [CARDS])).toThrow(/site: required/);
  });

  it('turns an empty `zones: []` and a camera without zones into one zone per line', () => {
    const text = 'site: s1\ncameras:\n  - id: c1\n    source: x\n    zones: []\n  - id: c2\n    source: y\n';
    const z1 = zone({ id: 'z1', kind: 'register', polygon: [[0, 0], [1, 0], [1, 1]] });
    expect(rewriteZones('b.yaml', text, 'c1', [z1])).toBe('site: s1\ncameras:\n  - id: c1\n    source: x\n    zones:\n      - {id: z1, kind: register, polygon: [[0, 0], [1, 0], [1, 1]]}\n  - id: c2\n    source: y\n');
    expect(rewriteZones('b.yaml', text, 'c2', [z1])).toBe(`${text}    zones:\n      - {id: z1, kind: register, polygon: [[0, 0], [1, 0], [1, 1]]}\n`);
    // A blank line after a block of zones stays.
    const spaced = 'site: s1\ncameras:\n  - id: c1\n    source: x\n    zones:\n      - {id: z1, kind: register, polygon: [[0, 0], [1, 0], [1, 1]]}\n\n  - id: c2\n    source: y\n';
    expect(rewriteZones('b.yaml', spaced, 'c1', [{ ...z1, polygon: [[0, 0], [1, 0], [0.5, 1]] }])).toBe(spaced.replace('[1, 1]]}', '[0.5, 1]]}'));
  });

  it('writes block-style zones in block style', () => {
    const text = 'site: s1\ncameras:\n  - id: c1\n    source: x\n    zones:\n      # keep me\n      - id: z1\n        kind: register\n        polygon: [[0, 0], [1, 0], [1, 1]]\n';
    const out = rewriteZones('b.yaml', text, 'c1', [
      zone({ id: 'z1', kind: 'register', polygon: [[0, 0], [1, 0], [1, 1]] }),
      zone({ id: 'z2', kind: 'register', polygon: [[0, 0], [1, 0], [1, 1]] }),
    ]);
    expect(out).toBe(`${text}      - id: z2\n        kind: register\n        polygon: [[0, 0], [1, 0], [1, 1]]\n`);
  });
});

describe('saveCameraZones', () => {
  it('replaces the file by rename, keeps its mode and a backup, and the agent can load it', async () => {
    const file = sampleFile();
    const saved = await saveCameraZones(file, 'street', [{ ...CARDS, dwellSeconds: 30 }]);
    expect(saved).toEqual({ file, backup: `${file}.bak` });
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(SAMPLE);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(join(file, '..')).sort()).toEqual(['site.yaml', 'site.yaml.bak']);
    const config = await loadConfig(file);
    expect(config.cameras[0]!.zones).toEqual([{ ...CARDS, dwellSeconds: 30 }]);
  });

  it('runs concurrent saves one after the other, the last one winning', async () => {
    const file = sampleFile();
    await Promise.all([10, 20, 30].map((d) => saveCameraZones(file, 'street', [{ ...CARDS, dwellSeconds: d }])));
    expect((await loadConfig(file)).cameras[0]!.zones[0]!.dwellSeconds).toBe(30);
    expect(readFileSync(`${file}.bak`, 'utf8')).toContain('dwellSeconds: 20');
  });

  it('leaves the file alone when it cannot take the change', async () => {
    const file = sampleFile();
    await expect(saveCameraZones(file, 'elsewhere', [CARDS])).rejects.toThrow(ConfigFileError);
    expect(readFileSync(file, 'utf8')).toBe(SAMPLE);
    expect(readdirSync(join(file, '..'))).toEqual(['site.yaml']);
    await expect(saveCameraZones(join(file, '..', 'missing.yaml'), 'street', [CARDS])).rejects.toThrow(/cannot read: ENOENT/);
  });
});
