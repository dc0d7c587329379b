import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../log/logger.js';
import { RefusalLog } from './refusal-log.js';

describe('refusal log', () => {
  it('logs a refusal once a minute per key, then says how many it left out', () => {
    const lines: Record<string, unknown>[] = [];
    const clock = { now: 0 };
    const log = new RefusalLog(createLogger('t', { level: 'info', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }), () => clock.now);
    for (let i = 0; i < 50; i++) log.refused('mqtt login refused', 'clerk-s', { user: 'clerk-s' });
    log.refused('mqtt login refused', 'relay-s', { user: 'relay-s' });
    expect(lines.map((l) => [l.msg, l.user, l.notLogged])).toEqual([['mqtt login refused', 'clerk-s', undefined], ['mqtt login refused', 'relay-s', undefined]]);
    clock.now = 60_000;
    log.refused('mqtt login refused', 'clerk-s', { user: 'clerk-s' });
    expect(lines.at(-1)).toMatchObject({ msg: 'mqtt login refused', user: 'clerk-s', notLogged: 49 });
  });
});
