/**
 * Writes one camera's zones back into the site's YAML config (the dashboard's zones editor), so an
 * edit survives a restart and the file stays the one place the site is described. The file is a
 * person's: it is edited through yaml's Document API so comments, key order and flow/block style
 * are kept, and a zone that already exists is changed in place (its comments stay with it). Keys
 * the file did not spell out are not added when they hold the default, so the file does not fill
 * up with defaults. The result is validated with the same schema as at start before anything is
 * written, then written to a temporary file and renamed over the original (a crash leaves the old
 * file or the new one, never half of one), after copying the original to `<file>.bak`.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { formatIssues } from './load.js';
import { agentConfigSchema, zoneSchema, type ZoneConfig } from './schema.js';

/** The file cannot take the change as it stands (missing camera, invalid YAML or other problems in it). */
export class ConfigFileError extends Error {
  constructor(readonly file: string, message: string, options?: ErrorOptions) {
    super(`${file}: ${message}`, options);
    this.name = 'ConfigFileError';
  }
}

export interface SavedZones {
  readonly file: string;
  /** Copy of the file as it was before this save. */
  readonly backup: string;
}

/** Coordinates are kept to 1/10000 of the frame: under half a pixel on a 4K camera. */
const DECIMALS = 4;

/** A zone's defaults, to leave them out of the file where it did not spell them out. */
const ZONE_DEFAULTS: Readonly<Record<string, unknown>> = zoneSchema.parse({ id: 'x', kind: 'register', polygon: [[0, 0], [1, 0], [1, 1]] });
const ALWAYS_WRITTEN = new Set(['id', 'kind', 'polygon', 'atmId']);

/** One save at a time per file: two admins saving at once must not interleave read and rename. */
const queues = new Map<string, Promise<unknown>>();

export function saveCameraZones(file: string, cameraId: string, zones: readonly ZoneConfig[]): Promise<SavedZones> {
  const previous = queues.get(file) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => save(file, cameraId, zones));
  queues.set(file, run);
  void run.finally(() => {
    if (queues.get(file) === run) queues.delete(file);
  }).catch(() => undefined);
  return run;
}

/**
 * The file's text with the camera's zones replaced; throws ConfigFileError when the file cannot
 * take it. Only the camera's `zones` block changes: the rest of the file is kept byte for byte
 * (yaml would otherwise re-print every flow collection of the file in its own spacing), and
 * within the block a zone that is not changed keeps its original text.
 */
export function rewriteZones(file: string, text: string, cameraId: string, zones: readonly ZoneConfig[]): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new ConfigFileError(file, `not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const camera = findCamera(doc, cameraId);
  if (!camera) throw new ConfigFileError(file, `camera "${cameraId}" is not in this file's cameras`);
  const existing = camera.get('zones', true);
  const oldItems = isSeq(existing) ? existing.items.filter((z): z is YAMLMap => isMap(z)) : [];
  const originalText = new Map(oldItems.map((z) => [z, z.range ? text.slice(z.range[0], z.range[1]) : null]));
  // yaml keeps the comment above the first item on the list itself: it belongs with that zone, so
  // it moves (or goes) with it when zones are reordered or removed.
  if (isSeq(existing) && existing.commentBefore && isMap(existing.items[0])) {
    existing.items[0].commentBefore = existing.commentBefore;
    existing.commentBefore = undefined;
  }
  // New zones follow the file's style: one-line flow maps (as in the sample site) unless the file uses blocks.
  const flow = oldItems.length > 0 ? Boolean(oldItems[0]!.flow) : true;
  const unchanged = new Set<YAMLMap>();
  const items = zones.map((zone) => {
    const old = oldItems.find((z) => String(z.get('id')) === zone.id);
    if (!old) return zoneNode(doc, compactZone(zone, undefined), flow);
    if (!updateInPlace(doc, old, compactZone(zone, old))) unchanged.add(old);
    return old;
  });
  if (isSeq(existing)) {
    // `zones: []` becomes a list of one zone per line, like the sample site's.
    if (existing.items.length === 0) existing.flow = false;
    existing.items = items;
    if (items[0]?.commentBefore) {
      existing.commentBefore = items[0].commentBefore;
      items[0].commentBefore = undefined;
    }
  } else {
    const seq = doc.createNode([]) as YAMLSeq;
    seq.items = items;
    camera.set('zones', seq);
  }
  const whole = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  checkResult(file, whole, cameraId, zones);
  const from = zonesKeyEnd(camera);
  if (!isSeq(existing) || !existing.range || from === null) return whole;
  const spliced = spliceZones(text, [from, existing.range[1]], whole, cameraId, items.map((item) => (unchanged.has(item) ? originalText.get(item) ?? null : null)));
  if (spliced === null) return whole;
  try {
    checkResult(file, spliced, cameraId, zones);
    return spliced;
  } catch {
    // The splice met a layout it does not understand (unusual indentation): the whole document as
    // yaml prints it is still correct, with every comment, only respaced.
    return whole;
  }
}

function findCamera(doc: Document, cameraId: string): YAMLMap | undefined {
  const cameras = doc.get('cameras', true);
  return isSeq(cameras) ? cameras.items.find((c): c is YAMLMap => isMap(c) && String(c.get('id')) === cameraId) : undefined;
}

/** Where the camera's `zones` key ends: its block, with the comment above its first item, follows. */
function zonesKeyEnd(camera: YAMLMap): number | null {
  const pair = camera.items.find((p) => isScalar(p.key) && p.key.value === 'zones');
  return pair && isScalar(pair.key) && pair.key.range ? pair.key.range[1] : null;
}

/**
 * The original text with its zones block (at `range`) replaced by the same block of `whole`, each
 * unchanged zone put back as it was written (`keep[i]` is its original text, or null).
 */
function spliceZones(text: string, range: readonly [number, number], whole: string, cameraId: string, keep: readonly (string | null)[]): string | null {
  const printedCamera = findCamera(parseDocument(whole), cameraId);
  const printed = printedCamera?.get('zones', true);
  const from = printedCamera ? zonesKeyEnd(printedCamera) : null;
  if (!isSeq(printed) || !printed.range || from === null || printed.items.length !== keep.length) return null;
  const to = printed.range[1];
  let block = whole.slice(from, to);
  for (let i = keep.length - 1; i >= 0; i--) {
    const original = keep[i];
    const item = printed.items[i];
    const itemRange = isMap(item) ? item.range : null;
    if (original === null || original === undefined || !itemRange) continue;
    block = block.slice(0, itemRange[0] - from) + original + block.slice(itemRange[1] - from);
  }
  // A block list's range takes in its last line break; a flow list's (`zones: []`) ends before it.
  if (block.endsWith('\n') && !text.slice(range[0], range[1]).endsWith('\n')) block = block.slice(0, -1);
  return text.slice(0, range[0]) + block + text.slice(range[1]);
}

async function save(file: string, cameraId: string, zones: readonly ZoneConfig[]): Promise<SavedZones> {
  let text: string;
  let mode: number;
  try {
    text = await readFile(file, 'utf8');
    mode = (await stat(file)).mode & 0o777;
  } catch (err) {
    throw new ConfigFileError(file, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const out = rewriteZones(file, text, cameraId, zones);
  const backup = `${file}.bak`;
  await copyFile(file, backup);
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(out, 'utf8');
      // On disk before the rename, so a power cut cannot leave an empty config behind the new name.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { file, backup };
}

/** The keys to write for a zone: required ones, ones the file already had, and non-defaults. */
function compactZone(zone: ZoneConfig, old: YAMLMap | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(zone)) {
    if (value === undefined) continue;
    const spelledOut = old?.has(key) ?? false;
    const isDefault = key in ZONE_DEFAULTS && JSON.stringify(ZONE_DEFAULTS[key]) === JSON.stringify(value);
    if (ALWAYS_WRITTEN.has(key) || spelledOut || !isDefault) {
      out[key] = key === 'polygon' ? (value as [number, number][]).map(([x, y]) => [round(x), round(y)]) : value;
    }
  }
  return out;
}

/** Changes the zone's keys that differ; returns whether anything changed. */
function updateInPlace(doc: Document, node: YAMLMap, wanted: Record<string, unknown>): boolean {
  let changed = false;
  for (const pair of [...node.items]) {
    const key = String((pair.key as { value?: unknown } | null)?.value ?? pair.key);
    if (!(key in wanted)) {
      node.delete(key);
      changed = true;
    }
  }
  for (const [key, value] of Object.entries(wanted)) {
    const current: unknown = node.get(key, false);
    const plain = current !== null && typeof current === 'object' && 'toJSON' in current ? (current as { toJSON(): unknown }).toJSON() : current;
    if (JSON.stringify(plain) === JSON.stringify(value)) continue;
    node.set(key, key === 'polygon' ? doc.createNode(value, { flow: true }) : value);
    changed = true;
  }
  return changed;
}

function zoneNode(doc: Document, wanted: Record<string, unknown>, flow: boolean): YAMLMap {
  const node = doc.createNode(wanted) as YAMLMap;
  node.flow = flow;
  const polygon = node.get('polygon', true);
  if (isSeq(polygon)) polygon.flow = true;
  return node;
}

/**
 * The written file must load with the same schema as at start, and give exactly these zones: a
 * file that another edit left invalid is not made the agent's problem at its next restart.
 */
function checkResult(file: string, text: string, cameraId: string, zones: readonly ZoneConfig[]): void {
  const result = agentConfigSchema.safeParse(parseDocument(text).toJS() ?? {});
  if (!result.success) {
    throw new ConfigFileError(file, `the file has other problems, fix them first: ${formatIssues(result.error.issues).join('; ')}`);
  }
  const written = result.data.cameras.find((c) => c.id === cameraId)?.zones ?? [];
  if (JSON.stringify(written) !== JSON.stringify(roundZones(zones))) {
    throw new Error(`${file}: zones written for camera ${cameraId} do not read back as saved`);
  }
}

/** Zones as they will read back from the file (coordinates rounded): what the running agent should use. */
export function roundZones(zones: readonly ZoneConfig[]): ZoneConfig[] {
  return zones.map((z) => ({ ...z, polygon: z.polygon.map(([x, y]) => [round(x), round(y)] as [number, number]) }));
}

function round(v: number): number {
  const f = 10 ** DECIMALS;
  return Math.round(v * f) / f;
}
