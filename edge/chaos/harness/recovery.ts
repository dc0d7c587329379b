/**
 * Watching the agent through /api/status while and after a fault: waiting for a status
 * condition with a deadline, and the recovery time — from the fault's end until the camera's
 * analysis says `running` and its analysed frames go on increasing.
 */
import type { AgentProcess } from './agent-process.js';
import { cameraStatus, type AgentStatus, type CameraStatus } from './agent-status.js';
import { CAMERA } from './chaos-site.js';
import type { Verdict } from './verdict.js';

export interface Awaited {
  readonly ok: boolean;
  /** Seconds from `fromMs` to the first status that met the condition. */
  readonly seconds: number;
  /** The last status seen (null: the agent never answered). */
  readonly last: AgentStatus | null;
}

/** Polls /api/status until `check` holds or `timeoutMs` has passed. */
export async function awaitStatus(agent: AgentProcess, check: (s: AgentStatus) => boolean, timeoutMs: number, fromMs = Date.now()): Promise<Awaited> {
  const deadline = Date.now() + timeoutMs;
  let last: AgentStatus | null = null;
  for (;;) {
    const s = await agent.statusOrNull();
    if (s) {
      last = s;
      if (check(s)) return { ok: true, seconds: (Date.now() - fromMs) / 1000, last };
    }
    if (Date.now() > deadline || !agent.alive) return { ok: false, seconds: (Date.now() - fromMs) / 1000, last };
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A camera's analysis as a short string for failure messages. */
export function describeAnalysis(c: CameraStatus | undefined): string {
  if (!c) return 'no answer from /api/status (the agent is not running or not answering)';
  const a = c.analysis ? `analysis ${JSON.stringify(c.analysis)}` : 'no "analysis" field (pipeline slice contract)';
  return `state ${c.state}, ${a}, analysedFrames ${c.analysedFrames}, lastError ${JSON.stringify(c.lastError)}`;
}

/**
 * Seconds from `faultEndMs` until `camera`'s analysis.state is 'running' and analysedFrames has
 * grown since the previous poll that said so; null (with the last status) when not within
 * `timeoutMs`. A status without the `analysis` field (before the pipeline slice lands) is timed by
 * the frames alone and reported as `missingContract`, so the figure exists and the run still fails.
 */
export async function awaitAnalysisRecovered(agent: AgentProcess, camera: string, faultEndMs: number, timeoutMs: number): Promise<{ seconds: number | null; detail: string; missingContract: boolean }> {
  let runningAt: number | null = null;
  let missingContract = false;
  const result = await awaitStatus(agent, (s) => {
    const c = cameraStatus(s, camera);
    if (c.analysis === undefined) missingContract = true;
    else if (c.analysis.state !== 'running') {
      runningAt = null;
      return false;
    }
    if (runningAt !== null && c.analysedFrames > runningAt) return true;
    runningAt = c.analysedFrames;
    return false;
  }, timeoutMs, faultEndMs);
  const c = result.last?.cameras.find((x) => x.id === camera);
  if (result.ok) return { seconds: result.seconds, detail: describeAnalysis(c), missingContract };
  return { seconds: null, detail: `${agent.alive ? '' : 'agent not running; '}${describeAnalysis(c)}`, missingContract };
}

/** Measures recovery into `verdict`, breaking an invariant when it does not happen or the status lacks the contract. */
export async function recordRecovery(agent: AgentProcess, verdict: Verdict, what: string, faultEndMs: number, timeoutMs: number, camera = CAMERA): Promise<number | null> {
  const rec = await awaitAnalysisRecovered(agent, camera, faultEndMs, timeoutMs);
  verdict.recovered(rec.seconds);
  verdict.check(rec.seconds !== null, `analysis did not run again within ${timeoutMs / 1000} s of ${what}: ${rec.detail}`);
  verdict.check(!rec.missingContract, `after ${what}: /api/status cameras[${camera}] has no "analysis" field, so it cannot say whether analysis runs (pipeline slice contract)`);
  return rec.seconds;
}
