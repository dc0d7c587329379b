/** A labelled folder: `<root>/<label>/<file>`, label one of EVAL_LABELS; other folders are ignored. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EVAL_LABELS, type EvalLabel } from './metrics.js';

export interface LabelledFile {
  file: string;
  truth: EvalLabel;
}

const IMAGE = /\.(jpe?g|png|webp|bmp|tiff?)$/i;

export async function listLabelledImages(root: string): Promise<LabelledFile[]> {
  const out: LabelledFile[] = [];
  for (const label of EVAL_LABELS) {
    let names: string[];
    try {
      names = await readdir(join(root, label));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`${join(root, label)}: ${(err as Error).message}`, { cause: err });
    }
    for (const name of names.sort()) if (IMAGE.test(name)) out.push({ file: join(root, label, name), truth: label });
  }
  if (out.length === 0) throw new Error(`${root}: no labelled images (expected sub-folders ${EVAL_LABELS.join(', ')})`);
  return out;
}
