/**
 * The wall clock jumps while the agent runs (an NTP step after weeks offline, a CMOS battery, a
 * hand-set clock): two hours forward, then back to two hours behind. The agent runs under
 * libfaketime (faults/fake-clock.ts). What must hold: it keeps running, analysis goes on after
 * each jump, and no event or held file is lost — a jump forward must not make retention think
 * footage expired, a jump back must not make recording or the index trip over earlier times.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chaosRun } from '../harness/chaos-run.js';
import { evidenceLoss, readEvidence } from '../harness/evidence-snapshot.js';
import { awaitAnalysisRecovered, awaitStatus, recordRecovery } from '../harness/recovery.js';
import { CAMERA } from '../harness/chaos-site.js';
import { FakeClock } from '../faults/fake-clock.js';
import type { ScenarioResult } from '../harness/verdict.js';

const HOUR_S = 3600;
const RECOVERY_TIMEOUT_MS = 60_000;

function clockJump(fault: string, offsetsS: readonly number[]): Promise<ScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-chaos-clock-'));
  const clock = new FakeClock(dir);
  return chaosRun(fault, { env: clock.env, cleanup: () => rmSync(dir, { recursive: true, force: true }) }, async (run) => {
    const { agent, verdict } = run;
    const recoveries: number[] = [];
    for (const offset of offsetsS) {
      clock.set(offset);
      const at = Date.now();
      const s = await recordRecovery(agent, verdict, `the clock moving to ${offset >= 0 ? '+' : ''}${offset / HOUR_S} h`, at, RECOVERY_TIMEOUT_MS);
      if (s !== null) recoveries.push(s);
      // Some seconds on the new time: timers, the segmenter and the cleaner see it; analysis must still go on.
      await sleep(10_000);
      const still = await awaitAnalysisRecovered(agent, CAMERA, Date.now(), RECOVERY_TIMEOUT_MS);
      verdict.check(still.seconds !== null, `10 s after the clock moved to ${offset / HOUR_S} h analysis was not running: ${still.detail}`);
      verdict.loss(evidenceLoss(run.before, readEvidence(run.site.dataDir), run.site.dataDir), `after the clock moved to ${offset / HOUR_S} h`);
      const recording = await awaitStatus(agent, (st) => st.cameras.every((c) => c.recorder?.state === 'streaming'), 30_000);
      verdict.check(recording.ok, `the recorder was not recording 30 s after the clock moved to ${offset / HOUR_S} h: ${JSON.stringify(recording.last?.cameras.map((c) => c.recorder))}`);
    }
    verdict.recovered(recoveries.length === offsetsS.length ? Math.max(...recoveries) : null);
  });
}

export const clockJumpsForward = (): Promise<ScenarioResult> => clockJump('clock jumps 2 h forward', [2 * HOUR_S]);
export const clockJumpsBack = (): Promise<ScenarioResult> => clockJump('clock jumps 2 h back', [-2 * HOUR_S]);
