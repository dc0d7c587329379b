/**
 * An external mosquitto is killed with SIGKILL while the agent publishes, then comes back.
 * One run per fault against the real agent process; a failure lists every invariant that broke.
 */
import { describe, expect, it } from 'vitest';
import { brokerKilledDuringBurst } from './scenarios/broker-faults.js';
import { describeBroken } from './harness/verdict.js';

const SCENARIO_TIMEOUT_MS = 600_000;

describe.sequential('chaos: broker killed', () => {
  it('delivers every event message after the broker is killed mid-burst', async () => {
    const result = await brokerKilledDuringBurst();
    console.log(JSON.stringify(result));
    expect(result.broken, describeBroken(result)).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);
});
