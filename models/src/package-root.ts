/**
 * The repository (npm package) root, found from this file's location so the same code works from
 * models/src/*.ts (vitest, tsx) and from the compiled dist/models/src/*.js.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The nearest ancestor directory holding both package.json and models/models.json. */
export function packageRoot(): string {
  if (cached) return cached;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'models', 'models.json'))) {
      cached = dir;
      return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`cannot find the package root (a directory with package.json and models/models.json) above ${start}`);
    }
  }
}
