/**
 * Where each labelled photo comes from, for per-source figures: the MANIFEST.tsv `source_repo`
 * (without its commit) when the folder or its parent has one, else the file name's prefix
 * (`s40_phoning_170.jpg` → `s40`). A figure that holds on one source and not another is a warning
 * that the whole-set figure will not hold on new cameras either.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';

export async function sourceOf(root: string): Promise<(file: string) => string> {
  const candidates = [join(root, 'MANIFEST.tsv'), join(dirname(root), 'MANIFEST.tsv')];
  const manifest = candidates.find((f) => existsSync(f));
  const bySuffix = new Map<string, string>();
  if (manifest) {
    const lines = (await readFile(manifest, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
    const header = (lines.shift() ?? '').split('\t');
    const [fileCol, repoCol] = [header.indexOf('file'), header.indexOf('source_repo')];
    if (fileCol >= 0 && repoCol >= 0) {
      for (const line of lines) {
        const cells = line.split('\t');
        const file = cells[fileCol];
        const repo = cells[repoCol];
        if (file && repo) bySuffix.set(file, repo.replace(/@.*$/, '').replace(/\s*\(.*$/, '').trim());
      }
    }
  }
  const base = manifest ? dirname(manifest) : root;
  return (file) => bySuffix.get(relative(base, file).split('\\').join('/')) ?? prefixOf(file);
}

export function prefixOf(file: string): string {
  const name = basename(file).replace(/\.[^.]+$/, '');
  return name.split(/[_-]/)[0] || name;
}
