/**
 * Runs every training photo (and its camera-like variants) through the same analyzer the agent
 * uses, and keeps each labelled person's phone-head feature vector. Slow (a detector and a pose run
 * per variant), so results are cached in a JSON-lines file keyed by everything that determines
 * them; an interrupted run resumes where it stopped.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AnalyzerPool } from '../pipeline/analyze/analyzer-pool.js';
import { decodeImageFile } from '../pipeline/decode/image-file.js';
import type { Box, PersonResult, PhoneState } from '../pipeline/types.js';
import type { FeatureShape } from '../pipeline/phone/phone-head.js';
import { augment, type Augmentation } from './augment.js';
import { differenceHash, type PhotoHash } from './near-duplicates.js';
import type { TrainClass, TrainingPhoto } from './training-set.js';

export interface FeatureRow {
  photo: string;
  variant: Augmentation;
  label: TrainClass;
  source: string;
  features: Float32Array;
  /** What the phone rule says of the same person, for the side-by-side figures. */
  rule: PhoneState;
  /** Nearest seen wrist in head sizes from an ear (Infinity when no wrist is seen). */
  wristToHead: number;
}

export interface ExtractOptions {
  pool: AnalyzerPool;
  augmentations: readonly Augmentation[];
  seed: number;
  /** JSON-lines cache; null for none. */
  cacheFile: string | null;
  /** Everything else that determines the features (model hashes, features version). */
  cacheKey: string;
  /** Photos analysed at once (keep the pool's workers busy). */
  concurrency: number;
  log?: (line: string) => void;
}

interface CachedPhoto {
  photo: string;
  rows: { variant: Augmentation; rule: PhoneState; wristToHead: number | null; f: string }[];
  /** Why a variant gave no row (no person found), for the report. */
  missing: Augmentation[];
  /** Map sizes the vectors were pooled from. */
  shape?: FeatureShape;
  /** Difference hash of the decoded photo (near-duplicates.ts), as hex halves. */
  dhash: [string, string, string, string] | null;
}

export interface Extraction {
  rows: FeatureRow[];
  /** Map sizes behind the vectors (null when no row was found). */
  shape: FeatureShape | null;
  /** Per photo (in the order given): its difference hash, null when it could not be decoded. */
  hashes: (PhotoHash | null)[];
  /** photo/variant pairs that gave no person (no labelled box and none detected). */
  missing: number;
}

export async function extractFeatures(photos: readonly TrainingPhoto[], o: ExtractOptions): Promise<Extraction> {
  const key = createHash('sha256').update(JSON.stringify({ key: o.cacheKey, seed: o.seed, augment: o.augmentations })).digest('hex');
  const cached = o.cacheFile ? await readCache(o.cacheFile, key) : new Map<string, CachedPhoto>();
  const byName = new Map(photos.map((p) => [p.name, p]));
  let writes = Promise.resolve();
  const todo = photos.filter((p) => !cached.has(p.name));
  o.log?.(`features: ${photos.length - todo.length} photos cached, ${todo.length} to analyse (${o.augmentations.join(', ')})`);
  let done = 0;
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < todo.length; i = next++) {
      const photo = todo[i] as TrainingPhoto;
      const entry = await analysePhoto(photo, o);
      cached.set(photo.name, entry);
      if (o.cacheFile) {
        const file = o.cacheFile;
        writes = writes.then(() => appendFile(file, JSON.stringify(entry) + '\n'));
      }
      done++;
      if (done % 100 === 0 || done === todo.length) {
        const s = (performance.now() - started) / 1000;
        o.log?.(`features: ${done}/${todo.length} photos, ${(s / done).toFixed(2)} s per photo, about ${Math.round(((todo.length - done) * s) / done / 60)} min left`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  await writes;

  const rows: FeatureRow[] = [];
  let shape: FeatureShape | null = null;
  const hashes: (PhotoHash | null)[] = [];
  let missing = 0;
  // Photo order, not completion order: the fit must not depend on which worker finished first.
  for (const photo of photos) {
    const entry = cached.get(photo.name);
    const d = entry?.dhash;
    hashes.push(d ? { hash: [parseInt(d[0], 16), parseInt(d[1], 16)], mirrored: [parseInt(d[2], 16), parseInt(d[3], 16)] } : null);
    if (!entry) continue;
    missing += entry.missing.length;
    if (entry.shape && entry.rows.length > 0) {
      if (shape && JSON.stringify(shape) !== JSON.stringify(entry.shape)) throw new Error(`features: ${photo.file} has maps ${JSON.stringify(entry.shape)}, other photos ${JSON.stringify(shape)}`);
      shape = entry.shape;
    }
    for (const r of entry.rows) {
      const p = byName.get(entry.photo) as TrainingPhoto;
      rows.push({
        photo: p.name,
        variant: r.variant,
        label: p.label,
        source: p.source,
        features: decodeFloats(r.f),
        rule: r.rule,
        wristToHead: r.wristToHead ?? Infinity,
      });
    }
  }
  return { rows, shape, hashes, missing };
}

async function analysePhoto(photo: TrainingPhoto, o: ExtractOptions): Promise<CachedPhoto> {
  const entry: CachedPhoto = { photo: photo.name, rows: [], missing: [], dhash: null };
  let image;
  try {
    image = await decodeImageFile(photo.file);
  } catch (err) {
    o.log?.(`features: ${photo.file}: ${(err as Error).message} (skipped)`);
    entry.missing.push(...o.augmentations);
    return entry;
  }
  const h = await differenceHash(image.frame);
  entry.dhash = [h.hash[0].toString(16), h.hash[1].toString(16), h.mirrored[0].toString(16), h.mirrored[1].toString(16)];
  const boxes = photo.boxes?.map((b): Box => [b[0] * image.scale, b[1] * image.scale, b[2] * image.scale, b[3] * image.scale]) ?? [];
  for (const variant of o.augmentations) {
    const v = await augment(image.frame, boxes, variant, o.seed, photo.name);
    const analysis = await o.pool.analyze(v.frame, { features: true, ...(photo.boxes ? { hints: v.boxes } : {}) });
    // Labelled boxes: every labelled person; none: the largest detected person carries the label.
    const people: PersonResult[] = photo.boxes ? (analysis.hinted ?? []) : analysis.people.slice(0, 1);
    if (people.length === 0) entry.missing.push(variant);
    if (analysis.featureShape) entry.shape = analysis.featureShape;
    for (const p of people) {
      if (!p.features) throw new Error(`features: ${photo.file}: the analyzer returned no feature vector (detector without a feature output?)`);
      // The analyzer runs the rule here, so its verdict is `phone` (or in the evidence beside a head's).
      const rule = p.evidence.rule?.phone ?? p.phone;
      entry.rows.push({ variant, rule, wristToHead: Number.isFinite(p.evidence.wristToHead) ? p.evidence.wristToHead : null, f: encodeFloats(p.features) });
    }
  }
  return entry;
}

async function readCache(file: string, key: string): Promise<Map<string, CachedPhoto>> {
  const out = new Map<string, CachedPhoto>();
  if (existsSync(file) && (await stat(file)).size > 0) {
    const lines = (await readFile(file, 'utf8')).split('\n');
    const header = lines[0] ? (JSON.parse(lines[0]) as { key?: string }) : {};
    if (header.key === key) {
      const text = lines.join('\n');
      // A run killed mid-write leaves a partial last line: end it, so the next entry starts clean.
      if (!text.endsWith('\n')) await appendFile(file, '\n');
      for (const line of lines.slice(1)) {
        if (line.trim() === '') continue;
        try {
          const entry = JSON.parse(line) as CachedPhoto;
          out.set(entry.photo, entry);
        } catch {
          // A line cut off by an interrupted run: that photo is analysed again.
        }
      }
      return out;
    }
    await rm(file);
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ key }) + '\n');
  return out;
}

function encodeFloats(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

function decodeFloats(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}
