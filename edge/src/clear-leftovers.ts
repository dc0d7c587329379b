/**
 * What a killed agent or export leaves behind, cleared at start before any camera, sweep or export
 * runs: ffmpeg children still writing (leftover-children.ts) and export staging folders
 * (export-staging.ts). Also says once how this machine ties ffmpeg children to the agent.
 */
import { join } from 'node:path';
import { EXPORTS_DIR, removeLeftoverStaging } from './evidence/export-staging.js';
import type { Logger } from './log/logger.js';
import { childLifetime } from './ffmpeg/child-lifetime.js';
import { reapLeftoverChildren } from './ffmpeg/leftover-children.js';

/** `<dataDir>/run`: pid files of the running ffmpeg children. */
export function runDir(dataDir: string): string {
  return join(dataDir, 'run');
}

export async function clearLeftovers(dataDir: string, log: Logger): Promise<void> {
  const lifetime = await childLifetime();
  if (!lifetime.parentDeathSignal) {
    log.warn('setpriv --pdeathsig not available: ffmpeg children of a killed agent run on until its next start stops them', {
      privateFiles: lifetime.privateFiles,
    });
  }
  const children = await reapLeftoverChildren(runDir(dataDir), { log });
  // Litter only costs disk: an unreadable exports folder must not keep the cameras from starting.
  const staging = await removeLeftoverStaging(join(dataDir, EXPORTS_DIR), log).catch((err: unknown) => {
    log.error('export staging not swept', { err });
    return { removed: [], inUse: 0 };
  });
  if (children.stopped + children.stale + staging.removed.length > 0) {
    log.info('leftovers of a previous run cleared', { ffmpegStopped: children.stopped, stalePidFiles: children.stale, exportStaging: staging.removed.length });
  }
}
