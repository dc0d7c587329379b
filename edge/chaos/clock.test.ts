/**
 * The wall clock jumps forward and back under the running agent (libfaketime: apt-get install faketime).
 * One run per fault against the real agent process; a failure lists every invariant that broke.
 */
import { describe, expect, it } from 'vitest';
import { clockJumpsForward, clockJumpsBack } from './scenarios/clock-faults.js';
import { describeBroken } from './harness/verdict.js';

const SCENARIO_TIMEOUT_MS = 600_000;

describe.sequential('chaos: clock jumps', () => {
  it('runs on after the clock jumps 2 h forward', async () => {
    const result = await clockJumpsForward();
    console.log(JSON.stringify(result));
    expect(result.broken, describeBroken(result)).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);

  it('runs on after the clock jumps 2 h back', async () => {
    const result = await clockJumpsBack();
    console.log(JSON.stringify(result));
    expect(result.broken, describeBroken(result)).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);
});
