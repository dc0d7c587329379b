/**
 * The data disk fills while recording, and the agent restarts on a full disk (a tmpfs of its own: runs as root).
 * One run per fault against the real agent process; a failure lists every invariant that broke.
 */
import { describe, expect, it } from 'vitest';
import { diskFillsWhileRecording, restartOnFullDisk } from './scenarios/disk-faults.js';
import { describeBroken } from './harness/verdict.js';

const SCENARIO_TIMEOUT_MS = 600_000;

describe.sequential('chaos: disk full', () => {
  it('survives the disk filling while recording, says so, and records again once there is room', async () => {
    const result = await diskFillsWhileRecording();
    console.log(JSON.stringify(result));
    expect(result.broken, describeBroken(result)).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);

  it('starts on a full disk, says so, and records again once there is room', async () => {
    const result = await restartOnFullDisk();
    console.log(JSON.stringify(result));
    expect(result.broken, describeBroken(result)).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);
});
