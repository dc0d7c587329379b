/**
 * Another process holds mimamori.db's write lock for 12 s, longer than any busy timeout (the
 * running agent waits 50 ms per write, then retries between turns of its event loop). What must
 * hold: the agent runs on, events raised during the lock are stored once it is released (none
 * logged as "event not recorded"), the footage recorded meanwhile gets indexed, nothing from before
 * is lost, analysis runs throughout.
 */
import { cameraStatus } from '../harness/agent-status.js';
import { chaosRun } from '../harness/chaos-run.js';
import { CAMERA } from '../harness/chaos-site.js';
import { readEvidence } from '../harness/evidence-snapshot.js';
import { awaitStatus, recordRecovery } from '../harness/recovery.js';
import { holdWriteLock } from '../faults/sqlite-lock.js';
import type { ScenarioResult } from '../harness/verdict.js';

const LOCK_MS = 12_000;

export function sqliteLocked(): Promise<ScenarioResult> {
  return chaosRun('SQLite write lock held 12 s by another process', {}, async (run) => {
    const { agent, verdict } = run;
    const lock = await holdWriteLock(run.site.dataDir, LOCK_MS);
    try {
      const mark = agent.logs.length;
      const frames = cameraStatus(await agent.status(), CAMERA).analysedFrames;
      const answering = await awaitStatus(agent, (s) => cameraStatus(s, CAMERA).analysedFrames > frames, LOCK_MS - 2000);
      verdict.check(answering.ok, `while the database was locked /api/status did not answer with analysis going on (analysedFrames ${frames} → ${answering.last ? cameraStatus(answering.last, CAMERA).analysedFrames : 'no answer'})`);
      await lock.released;
      const end = Date.now();
      await recordRecovery(agent, verdict, 'the lock being released', end, 30_000);
      // Segments completed during the lock must reach the index once it is free again.
      const written = agent.logged('segment not indexed', mark).map((l) => String(l.path));
      const indexedLater = await awaitStatus(agent, () => {
        const index = readEvidence(run.site.dataDir).segments;
        return written.every((p) => [...index.keys()].some((k) => p.endsWith(k)));
      }, 20_000);
      verdict.check(indexedLater.ok, `${written.length} segment(s) recorded while the database was locked were never indexed afterwards (footage retention and export cannot see them): ${written.slice(0, 3).join(', ')}`);
    } finally {
      lock.stop();
    }
  });
}
