/**
 * An inference worker thread is killed, and the camera delivers poison frames.
 * One run per fault against the real agent process; a failure lists every invariant that broke.
 */
import { describe, expect, it } from 'vitest';
import { inferenceWorkerKilled, poisonFrames } from './scenarios/analysis-faults.js';
import { describeBroken } from './harness/verdict.js';

const SCENARIO_TIMEOUT_MS = 600_000;

describe.sequential('chaos: analysis faults', () => {
  it('respawns a killed inference worker and analyses again', async () => {
    const result = await inferenceWorkerKilled();
    console.log(JSON.stringify(result));
    expect(result.broken, describeBroken(result)).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);

  it('analyses on through a 16x16 picture and garbage bytes in the stream', async () => {
    const result = await poisonFrames();
    console.log(JSON.stringify(result));
    expect(result.broken, describeBroken(result)).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);
});
