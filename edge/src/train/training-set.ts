/**
 * A labelled folder to fit the phone head on: the layout `npm run eval` reads (`<label>/*.jpg`,
 * also under `images/`), with an optional `MANIFEST.tsv` giving the labelled person's box per
 * photo (`file` and `person_box_x1y1x2y2` columns, `;` between several people, as Stanford 40's
 * manifest has). Without a box, the photo's label goes to its largest detected person.
 *
 * A bank can point this at stills from its own ATM cameras: nothing leaves the machine.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Box } from '../pipeline/types.js';
import { listLabelledImages } from '../eval/labelled-folder.js';
import type { EvalLabel } from '../eval/metrics.js';

/** The head's classes; `no_person` photos are not training data for a per-person classifier. */
export const LABEL_CLASS: Partial<Record<EvalLabel, TrainClass>> = {
  phone_call: 'call',
  phone_in_hand: 'hand',
  no_phone_person: 'none',
};
export type TrainClass = 'call' | 'hand' | 'none';
export const TRAIN_CLASSES: readonly TrainClass[] = ['call', 'hand', 'none'];

export interface TrainingPhoto {
  /** Path relative to the data folder, with forward slashes (stable across machines). */
  name: string;
  file: string;
  label: TrainClass;
  /** Labelled people, or null when the data gives none. */
  boxes: Box[] | null;
  /** Finer source tag for reports: the manifest's action column, else the file name's prefix. */
  source: string;
}

export async function loadTrainingSet(dataDir: string): Promise<TrainingPhoto[]> {
  const root = existsSync(join(dataDir, 'images')) ? join(dataDir, 'images') : dataDir;
  const manifest = await readManifest(dataDir);
  const photos: TrainingPhoto[] = [];
  for (const { file, truth } of await listLabelledImages(root)) {
    const label = LABEL_CLASS[truth];
    if (!label) continue;
    const name = relative(dataDir, file).split('\\').join('/');
    const row = manifest.get(name);
    photos.push({ name, file, label, boxes: row?.boxes ?? null, source: row?.source ?? sourceFromName(name) });
  }
  if (photos.length === 0) throw new Error(`${dataDir}: no photos labelled phone_call, phone_in_hand or no_phone_person`);
  return photos;
}

/** `drinking_012.jpg` → `drinking`; `cam2-0001.jpg` → `cam2`. */
export function sourceFromName(name: string): string {
  const base = name.split('/').pop() ?? name;
  return base.replace(/\.[^.]+$/, '').replace(/[-_ ]?\d+$/, '') || base;
}

async function readManifest(dataDir: string): Promise<Map<string, { boxes: Box[] | null; source: string | null }>> {
  const file = join(dataDir, 'MANIFEST.tsv');
  const out = new Map<string, { boxes: Box[] | null; source: string | null }>();
  if (!existsSync(file)) return out;
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').split('\t');
  const col = (name: string): number => header.indexOf(name);
  const [fileCol, boxCol, actionCol] = [col('file'), col('person_box_x1y1x2y2'), col('action')];
  if (fileCol < 0) throw new Error(`${file}: no 'file' column in the header`);
  lines.forEach((line, i) => {
    const cells = line.split('\t');
    const name = cells[fileCol];
    if (!name) return;
    const boxText = boxCol >= 0 ? (cells[boxCol] ?? '').trim() : '';
    const boxes = boxText === '' ? null : boxText.split(';').map((b) => parseBox(b, `${file}:${i + 2}`));
    const action = actionCol >= 0 ? (cells[actionCol] ?? '').trim() : '';
    out.set(name, { boxes, source: action || null });
  });
  return out;
}

function parseBox(text: string, where: string): Box {
  const v = text.split(',').map((t) => Number(t.trim()));
  if (v.length !== 4 || v.some((x) => !Number.isFinite(x)) || (v[2] as number) <= (v[0] as number) || (v[3] as number) <= (v[1] as number)) {
    throw new Error(`${where}: person_box_x1y1x2y2 '${text}' is not x1,y1,x2,y2 with x2 > x1 and y2 > y1`);
  }
  return v as Box;
}
