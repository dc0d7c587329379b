import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('logger', () => {
  it('writes one JSON line per call with namespace, level and fields, honouring the level', () => {
    const lines: string[] = [];
    const log = createLogger('agent', { level: 'info', write: (l) => lines.push(l), now: () => new Date('2026-11-25T00:00:00Z') });
    let built = 0;
    log.debug('not shown', () => {
      built += 1;
      return {};
    });
    log.child('camera').warn('stalled', { camera: 'atm1', err: new Error('no frame for 10 s') });
    expect(built).toBe(0);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '2026-11-25T00:00:00.000Z', level: 'warn', ns: 'agent:camera', msg: 'stalled', camera: 'atm1',
      err: { name: 'Error', message: 'no frame for 10 s' },
    });
  });
});
