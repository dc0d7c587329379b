/**
 * Names of an export's staging folder (and a zip's partial file) and the sweep that removes those
 * left behind by an export that was killed (`kill -9`, power cut) before it could clean up: tens
 * of MB of copied footage each, hidden, forever. The agent sweeps `<dataDir>/exports` at start;
 * every export (CLI or API) sweeps the folder it writes into before it starts.
 *
 * A staging name carries its writer (pid and process start time), so an export still running in
 * the same folder (another CLI export, the agent's own) is never swept. Names from versions before
 * the writer was recorded (`.<name>.incomplete-<8 hex>`) are removed: no such export still runs.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { isLiveProcessTag, ownProcessTag } from '../ffmpeg/process-identity.js';

const STAGING = /^\..+\.incomplete-(?:(\d+-\d+)-)?[0-9a-f]{8}(\.part)?$/;

/** The folder under the data directory where export bundles are written (and staged). */
export const EXPORTS_DIR = 'exports';

/** `.<name>.incomplete-<pid>-<start ticks>-<random>` next to the output. */
export function stagingName(name: string): string {
  return `.${name}.incomplete-${ownProcessTag()}-${randomBytes(4).toString('hex')}`;
}

export interface StagingSweep {
  removed: string[];
  /** Staging of exports still running. */
  inUse: number;
}

/** Removes the staging left in `folder` by exports that no longer run; a missing folder has none. */
export async function removeLeftoverStaging(folder: string, log: Logger): Promise<StagingSweep> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { removed: [], inUse: 0 };
    throw new Error(`export folder ${folder}: cannot list: ${(err as Error).message}`, { cause: err });
  }
  const result: StagingSweep = { removed: [], inUse: 0 };
  for (const name of names) {
    const m = STAGING.exec(name);
    if (!m) continue;
    if (m[1] !== undefined && isLiveProcessTag(m[1])) {
      result.inUse += 1;
      continue;
    }
    const path = join(folder, name);
    try {
      await rm(path, { recursive: true, force: true });
      result.removed.push(path);
      log.warn('staging of an interrupted export removed', { path });
    } catch (err) {
      log.error('staging of an interrupted export could not be removed', { path, err });
    }
  }
  return result;
}
