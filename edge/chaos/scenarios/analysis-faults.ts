/**
 * Analysis itself fails: an inference process dies (SIGKILL from outside, as the kernel's OOM
 * killer does, or as a native abort inside onnxruntime ends it), and the camera delivers poison — its stream jumps
 * to a 16x16 picture and garbage bytes and back, as a camera being reconfigured or a broken
 * encoder does. What must hold: the agent runs on, the worker pool is whole again and says it
 * respawned, analysis runs again, nothing stored or held is lost.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PEDESTRIAN_VIDEO } from '../../test/fixtures.js';
import { locateFfmpeg } from '../../src/ffmpeg/ffmpeg-binaries.js';
import { cameraStatus } from '../harness/agent-status.js';
import { chaosRun } from '../harness/chaos-run.js';
import { CAMERA } from '../harness/chaos-site.js';
import { awaitStatus, recordRecovery } from '../harness/recovery.js';
import { inferenceChildren, killAll } from '../harness/process-tree.js';
import type { ScenarioResult } from '../harness/verdict.js';

const RECOVERY_TIMEOUT_MS = 60_000;

export function inferenceWorkerKilled(): Promise<ScenarioResult> {
  return chaosRun('inference worker killed', {}, async (run) => {
    const { agent, verdict } = run;
    const before = await agent.status();
    const respawnsBefore = before.workers?.respawns ?? 0;
    const victims = inferenceChildren(agent.pid);
    verdict.check(victims.length === (before.workers?.size ?? -1), `the agent runs ${victims.length} inference processes but /api/status says workers.size ${before.workers?.size}`);
    killAll(victims.map((v) => v.pid));
    const end = Date.now();
    const pool = await awaitStatus(agent, (s) => s.workers !== undefined && s.workers.respawns > respawnsBefore && s.workers.running === s.workers.size, RECOVERY_TIMEOUT_MS, end);
    verdict.check(pool.ok, `after its inference processes ${victims.map((v) => v.pid).join(', ')} were killed /api/status workers did not show a respawn and a whole pool within ${RECOVERY_TIMEOUT_MS / 1000} s: workers ${JSON.stringify(pool.last?.workers)} (pipeline slice contract)`);
    const replaced = inferenceChildren(agent.pid);
    verdict.check(replaced.length === victims.length && replaced.every((p) => !victims.some((v) => v.pid === p.pid)), `the inference processes were not replaced: before ${victims.map((v) => v.pid).join(', ')}, after ${replaced.map((p) => p.pid).join(', ')}`);
    await recordRecovery(agent, verdict, 'its inference processes being killed', end, RECOVERY_TIMEOUT_MS);
  });
}

/**
 * A looping transport stream: 4 s of the street, 2 s of a 16x16 picture, 256 kB of random bytes,
 * then the street again (the recorder copies it all; the decoder resynchronises).
 */
function poisonClip(dir: string): string {
  const ffmpeg = locateFfmpeg().path;
  const part = (name: string, args: string[]): string => {
    const out = join(dir, name);
    execFileSync(ffmpeg, ['-v', 'error', '-y', ...args, '-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-pix_fmt', 'yuv420p', '-f', 'mpegts', out]);
    return out;
  };
  const street = part('street.ts', ['-i', PEDESTRIAN_VIDEO, '-t', '4']);
  const tiny = part('tiny.ts', ['-f', 'lavfi', '-i', 'testsrc=size=16x16:rate=10', '-t', '2']);
  const clip = join(dir, 'poison.ts');
  execFileSync('sh', ['-c', `cat '${street}' '${tiny}' > '${clip}'`]);
  appendFileSync(clip, randomBytes(256 * 1024));
  execFileSync('sh', ['-c', `cat '${street}' >> '${clip}'`]);
  return clip;
}

export function poisonFrames(): Promise<ScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-chaos-poison-'));
  const source = poisonClip(dir);
  return chaosRun('poison frames (16x16 picture, garbage bytes)', { source, cleanup: () => rmSync(dir, { recursive: true, force: true }) }, async (run) => {
    const { agent, verdict } = run;
    // The clip loops every ~10 s: two whole loops take the camera through the poison twice.
    const frames = cameraStatus(await agent.status(), CAMERA).analysedFrames;
    const start = Date.now();
    const through = await awaitStatus(agent, () => Date.now() - start > 20_000, 25_000);
    verdict.check(through.ok && agent.alive, 'the agent did not run through two loops of the poison clip');
    const after = through.last ? cameraStatus(through.last, CAMERA) : null;
    verdict.check((after?.analysedFrames ?? 0) > frames, `analysis stopped on poison frames: analysedFrames ${frames} → ${after?.analysedFrames}`);
    await recordRecovery(agent, verdict, 'two loops of poison frames', Date.now(), RECOVERY_TIMEOUT_MS);
  });
}
