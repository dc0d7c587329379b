import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../log/logger.js';
import { RefusalLog } from './refusal-log.js';

describe('refusal log', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('logs a refusal once a minute per key, then says how many it held back', () => {
    vi.useFakeTimers();
    const lines: Record<string, unknown>[] = [];
    const log = new RefusalLog(createLogger('t', { level: 'info', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }));
    for (let i = 0; i < 50; i++) log.refused('mqtt login refused', 'clerk-s', { user: 'clerk-s' });
    log.refused('mqtt login refused', 'relay-s', { user: 'relay-s' });
    expect(lines.map((l) => [l.msg, l.user, l.suppressed])).toEqual([['mqtt login refused', 'clerk-s', undefined], ['mqtt login refused', 'relay-s', undefined]]);
    vi.advanceTimersByTime(60_000);
    expect(lines.at(-1)).toMatchObject({ msg: 'mqtt login refused', user: 'clerk-s', suppressed: 49 });
    expect(lines).toHaveLength(3);
  });
});
