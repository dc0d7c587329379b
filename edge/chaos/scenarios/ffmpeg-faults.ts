/**
 * ffmpeg dies under the agent (OOM killer, a codec crash), and ffmpeg is unavailable for a while
 * (a package upgrade in progress, a broken binary): the agent must keep running, say so in
 * /api/status, and decode, analyse and record again once ffmpeg is back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cameraStatus } from '../harness/agent-status.js';
import { chaosRun } from '../harness/chaos-run.js';
import { CAMERA } from '../harness/chaos-site.js';
import { killAll, ffmpegChildren } from '../harness/process-tree.js';
import { awaitStatus, describeAnalysis, recordRecovery } from '../harness/recovery.js';
import { FfmpegSwitch } from '../faults/ffmpeg-switch.js';
import type { ScenarioResult } from '../harness/verdict.js';

const RECOVERY_TIMEOUT_MS = 60_000;

export function ffmpegKilled(): Promise<ScenarioResult> {
  return chaosRun('ffmpeg killed (SIGKILL, decoder and recorder)', {}, async (run) => {
    const { agent, verdict } = run;
    const victims = ffmpegChildren(agent.pid);
    verdict.check(victims.length >= 2, `expected the decoder and recorder ffmpeg under the agent, found ${victims.length}`);
    const segmentsBefore = cameraStatus(await agent.status(), CAMERA).recorder?.segments ?? 0;
    killAll(victims.map((p) => p.pid));
    const end = Date.now();
    await recordRecovery(agent, verdict, 'ffmpeg being killed', end, RECOVERY_TIMEOUT_MS);
    verdict.check(ffmpegChildren(agent.pid).every((p) => !victims.some((v) => v.pid === p.pid)), 'a killed ffmpeg is still listed as the agent\'s child');
    const recording = await awaitStatus(agent, (s) => {
      const r = cameraStatus(s, CAMERA).recorder;
      // A segment completed after the kill: the new recorder ffmpeg writes footage.
      return r?.state === 'streaming' && (r.segments ?? 0) > segmentsBefore && ffmpegChildren(agent.pid).length >= 2;
    }, RECOVERY_TIMEOUT_MS);
    verdict.check(recording.ok, `the recorder completed no new segment within ${RECOVERY_TIMEOUT_MS / 1000} s of its ffmpeg being killed: recorder ${JSON.stringify(recording.last && cameraStatus(recording.last, CAMERA).recorder)} (had ${segmentsBefore} segments)`);
  });
}

const UNAVAILABLE_MS = 15_000;

export async function ffmpegUnavailable(): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'mimamori-chaos-ffmpeg-'));
  const sw = new FfmpegSwitch(dir);
  return chaosRun('ffmpeg unavailable for 15 s', { ffmpegPath: sw.path, cleanup: () => rm(dir, { recursive: true, force: true }) }, async (run) => {
    const { agent, verdict } = run;
    sw.off();
    killAll(ffmpegChildren(agent.pid).map((p) => p.pid));
    // Truthful while it lasts: the camera is not streaming, and analysis is not "running".
    const told = await awaitStatus(agent, (s) => {
      const c = cameraStatus(s, CAMERA);
      // Analysis is not stalled (no frames arrive to be analysed) but must not look normal either: its
      // reason names the wait for the camera ("waiting for frames: camera backoff").
      const analysisTold = c.analysis !== undefined && c.analysis.reason !== null
        && (c.analysis.state !== 'running' || /camera/.test(c.analysis.reason));
      return c.state !== 'streaming' && c.lastError !== null && analysisTold;
    }, UNAVAILABLE_MS);
    verdict.check(told.ok, `while ffmpeg was unavailable /api/status did not say so (camera not streaming with lastError, analysis reason naming the wait or stalled/stopped): ${describeAnalysis(told.last?.cameras.find((c) => c.id === CAMERA))}`);
    await sleep(Math.max(0, UNAVAILABLE_MS - told.seconds * 1000));
    verdict.check(agent.alive, 'the agent exited while ffmpeg was unavailable');
    sw.on();
    const end = Date.now();
    await recordRecovery(agent, verdict, 'ffmpeg coming back', end, RECOVERY_TIMEOUT_MS);
    const recording = await awaitStatus(agent, (s) => cameraStatus(s, CAMERA).recorder?.state === 'streaming', RECOVERY_TIMEOUT_MS);
    verdict.check(recording.ok, `the recorder did not record again within ${RECOVERY_TIMEOUT_MS / 1000} s of ffmpeg coming back: recorder ${JSON.stringify(recording.last && cameraStatus(recording.last, CAMERA).recorder)}`);
  });
}
