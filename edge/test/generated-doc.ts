/** The staleness check of a page generated from code (docs/configuration.md, docs/api.md). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { packageRoot } from '../../models/src/index.js';

/** Fails, naming the npm script that rewrites it, when `page` (repo-relative) differs from `rendered`. */
export async function expectGeneratedPageFresh(page: string, rendered: string, script: string): Promise<void> {
  const written = await readFile(join(packageRoot(), page), 'utf8');
  if (written !== rendered) expect.fail(`${page} is stale: run npm run ${script}`);
}
