/**
 * Another process holds the SQLite write lock longer than the busy timeout.
 * One run per fault against the real agent process; a failure lists every invariant that broke.
 */
import { describe, expect, it } from 'vitest';
import { sqliteLocked } from './scenarios/sqlite-faults.js';
import { describeBroken } from './harness/verdict.js';

const SCENARIO_TIMEOUT_MS = 600_000;

describe.sequential('chaos: SQLite locked', () => {
  it('runs on while another process holds the database write lock, losing no event or segment', async () => {
    const result = await sqliteLocked();
    console.log(JSON.stringify(result));
    expect(result.broken, describeBroken(result)).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);
});
