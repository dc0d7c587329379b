/**
 * kill -9 of the agent while recording and during retention deletion, and of an export mid-bundle.
 * One run per fault against the real agent process; a failure lists every invariant that broke.
 */
import { describe, expect, it } from 'vitest';
import { kill9WhileRecording, kill9DuringExport, kill9DuringRetention } from './scenarios/kill9-faults.js';
import { describeBroken } from './harness/verdict.js';

const SCENARIO_TIMEOUT_MS = 600_000;

describe.sequential('chaos: kill -9', () => {
  it('after kill -9 while recording: no orphan ffmpeg, footage indexed, analysis again', async () => {
    const result = await kill9WhileRecording();
    console.log(JSON.stringify(result));
    expect(result.broken, describeBroken(result)).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);

  it('after kill -9 of an export: no half bundle, export again, audit chain intact', async () => {
    const result = await kill9DuringExport();
    console.log(JSON.stringify(result));
    expect(result.broken, describeBroken(result)).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);

  it('after kill -9 during retention deletion: held footage kept, index consistent', async () => {
    const result = await kill9DuringRetention();
    console.log(JSON.stringify(result));
    expect(result.broken, describeBroken(result)).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);
});
