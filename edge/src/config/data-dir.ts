/**
 * The data directory (`dataDir`) holds the database, snapshots, recordings and the device key. A
 * path that cannot be a directory (it is a file, or one of its parents is) is a config mistake,
 * and is reported as one: naming the key and the path, not as a raw EEXIST or ENOTDIR from deep
 * inside the store.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Why `dir` cannot be the data directory, or null when it is one or can be created. */
export async function dataDirProblem(dir: string): Promise<string | null> {
  const target = resolve(dir);
  // The nearest part of the path that exists decides: a directory can take the rest, a file cannot.
  for (let p = target; ; p = dirname(p)) {
    try {
      const s = await stat(p);
      if (s.isDirectory()) return null;
      return p === target ? `${target} is a file, not a directory` : `${target} cannot be created: ${p} is a file, not a directory`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `cannot check ${target}: ${code ?? (err as Error).message}`;
      if (dirname(p) === p) return null;
    }
  }
}

/** Creates the data directory (owner-only) when missing; returns its absolute path. Errors name `dataDir`. */
export async function ensureDataDir(dir: string): Promise<string> {
  const target = resolve(dir);
  try {
    await mkdir(target, { recursive: true, mode: 0o700 });
  } catch (err) {
    const problem = await dataDirProblem(target);
    throw new Error(`dataDir: ${problem ?? `cannot create ${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`}`, { cause: err });
  }
  return target;
}
