/**
 * The chaos suite in `npm test` and `npm run test:chaos`: every fault of scenarios/catalogue.ts
 * once, against the real agent process (docs/reliability.md). The scenarios run concurrently
 * (each has its own site, ports, disk and processes): one after another they would take about
 * 15 minutes on the 2-core CI machine; `npm run bench:chaos` runs them one at a time for figures.
 * A failure lists every invariant that broke.
 */
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from './scenarios/catalogue.js';
import { describeBroken } from './harness/verdict.js';

const SCENARIO_TIMEOUT_MS = 900_000;

describe.concurrent('chaos: the agent under faults', () => {
  for (const scenario of SCENARIOS.filter((s) => s.notInTest === undefined)) {
    it(`${scenario.id}: ${scenario.title}`, async () => {
      const result = await scenario.run();
      console.log(JSON.stringify({ scenario: scenario.id, ...result }));
      expect(result.broken, describeBroken(result)).toEqual([]);
    }, SCENARIO_TIMEOUT_MS);
  }
});
