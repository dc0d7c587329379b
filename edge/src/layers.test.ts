/**
 * The agent's folders form layers that point one way: a module may use its own folder and the
 * layers below it, never a layer above or a neighbour on its own layer. So the store never learns
 * about the API, the frame path never about the CLI, and a newcomer can read the tree bottom-up.
 * Tests are exempt (an integration test may start the whole agent); product code is not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EDGE = join(REPO, 'edge/src');

/** Bottom first. Each entry is a top-level folder (or file) of edge/src. */
const LAYERS: readonly (readonly string[])[] = [
  ['log'], // structured logging: everything may report through it
  ['lifecycle', 'package', 'auth'], // no knowledge of the product: backoff and service stops, version, passwords and cookies
  ['config'], // the schema: every default and bound
  ['store', 'systemd'], // SQLite and its repositories; talking to the service manager
  ['wire', 'ffmpeg', 'mqtt'], // shapes that leave the process; the ffmpeg processes; the MQTT transport
  ['pipeline', 'recording', 'evidence'], // the frame path; the recorders; holds, exports, verification
  ['alerts', 'retention'], // what an event makes happen; what footage is kept
  ['supervision'], // keeping camera analysis alive and saying when it is not
  ['api'], // HTTP and the dashboard's doors
  ['clear-leftovers.ts'], // what a killed agent left behind, cleared before anything starts
  ['agent.ts'], // the owner that starts and stops everything
  ['cli'], // commands
  ['eval'], // scoring against a labelled set of photos and videos
  ['train'], // fitting the phone head (scored with eval's metrics)
];

const layerOf = new Map(LAYERS.flatMap((names, rank) => names.map((n) => [n, rank] as const)));

export interface ImportEdge { from: string; to: string }

/** Top-level folder (or file) of edge/src that a path belongs to, or null outside edge/src. */
function unitOf(path: string): string | null {
  const rel = relative(EDGE, path);
  if (rel.startsWith('..')) return null;
  return rel.split('/')[0]!;
}

/** Why an import breaks the layering, or null when it is allowed. Paths are absolute. */
export function violation({ from, to }: ImportEdge): string | null {
  const a = unitOf(from);
  const b = unitOf(to);
  const modelsSrc = join(REPO, 'models/src');
  if (to.startsWith(join(REPO, 'edge/test') + '/')) return 'product code imports a test helper';
  if (to.startsWith(modelsSrc + '/') && to !== join(modelsSrc, 'index.ts')) return 'imports models/src internals instead of models/src/index.ts';
  if (a === null || b === null || a === b) return null;
  const ra = layerOf.get(a);
  const rb = layerOf.get(b);
  if (ra === undefined) return `${a} has no layer in layers.test.ts`;
  if (rb === undefined) return `${b} has no layer in layers.test.ts`;
  if (rb > ra) return `${a} (layer ${ra}) imports ${b} (layer ${rb}), which is above it`;
  if (rb === ra) return `${a} imports its neighbour ${b} on the same layer ${ra}`;
  return null;
}

function productFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Relative imports of one file (static, dynamic and type-only), resolved to .ts paths. */
function importsOf(file: string): ImportEdge[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .filter((i) => i.fileName.startsWith('.'))
    .map((i) => ({ from: file, to: resolve(dirname(file), i.fileName.replace(/\.js$/, '.ts')) }));
}

describe('edge/src layering', () => {
  const files = productFiles(EDGE);

  it('every top-level folder of edge/src has a layer', () => {
    const units = new Set(files.map((f) => unitOf(f)!));
    expect([...units].filter((u) => !layerOf.has(u))).toEqual([]);
    expect(units.size).toBeGreaterThan(15);
  });

  it('no product module imports upwards, sideways, from a test helper or from models/src internals', () => {
    const edges = files.flatMap(importsOf);
    expect(edges.length).toBeGreaterThan(500);
    const bad = edges.flatMap((e) => {
      const why = violation(e);
      return why ? [`${relative(REPO, e.from)} → ${relative(REPO, e.to)}: ${why}`] : [];
    });
    expect(bad).toEqual([]);
  });

  it('the rule itself catches what it is for', () => {
    const at = (p: string): string => join(REPO, p);
    expect(violation({ from: at('edge/src/store/event-repository.ts'), to: at('edge/src/api/server.ts') })).toMatch(/above it/);
    expect(violation({ from: at('edge/src/api/routes/event-routes.ts'), to: at('edge/src/cli/events-command.ts') })).toMatch(/above it/);
    expect(violation({ from: at('edge/src/pipeline/camera-pipeline.ts'), to: at('edge/src/recording/segment-recorder.ts') })).toMatch(/neighbour/);
    expect(violation({ from: at('edge/src/pipeline/analyze/manifest-models.ts'), to: at('models/src/prepare.ts') })).toMatch(/internals/);
    expect(violation({ from: at('edge/src/agent.ts'), to: at('edge/test/fixtures.ts') })).toMatch(/test helper/);
    expect(violation({ from: at('edge/src/api/server.ts'), to: at('edge/src/store/store.ts') })).toBeNull();
  });
});

describe('dashboard imports from the agent', () => {
  it('only the wire shapes and the warning catalogue', () => {
    const dash = join(REPO, 'dashboard/src');
    const files = readdirSync(dash, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
      .map((e) => join(e.parentPath, e.name));
    const reached = files.flatMap((f) => importsOf(f)).map((e) => e.to).filter((to) => to.startsWith(EDGE + '/'));
    const allowed = (to: string): boolean => to.startsWith(join(EDGE, 'wire') + '/') || to === join(EDGE, 'alerts/warnings/catalogue.json');
    expect(reached.length).toBeGreaterThan(0);
    expect(reached.filter((to) => !allowed(to)).map((to) => relative(REPO, to))).toEqual([]);
  });
});
