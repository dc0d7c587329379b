/**
 * ffmpeg is killed under the agent, and the binary is unavailable for a while.
 * One run per fault against the real agent process; a failure lists every invariant that broke.
 */
import { describe, expect, it } from 'vitest';
import { ffmpegKilled, ffmpegUnavailable } from './scenarios/ffmpeg-faults.js';
import { describeBroken } from './harness/verdict.js';

const SCENARIO_TIMEOUT_MS = 600_000;

describe.sequential('chaos: ffmpeg faults', () => {
  it('decodes and records again after its ffmpeg are killed', async () => {
    const result = await ffmpegKilled();
    console.log(JSON.stringify(result));
    expect(result.broken, describeBroken(result)).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);

  it('says when ffmpeg is unavailable and recovers when it is back', async () => {
    const result = await ffmpegUnavailable();
    console.log(JSON.stringify(result));
    expect(result.broken, describeBroken(result)).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);
});
