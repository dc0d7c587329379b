import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(): { lines: Record<string, unknown>[]; log: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('agent', { level: 'info', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>), now: () => new Date('2026-11-25T00:00:00Z') });
  return { lines, log };
}

describe('logger', () => {
  it('writes one JSON line per call with namespace, level and fields, honouring the level', () => {
    const { lines, log } = capture();
    let built = 0;
    log.debug('not shown', () => {
      built += 1;
      return {};
    });
    log.child('camera').warn('stalled', { camera: 'atm1', reason: 'no frame for 10 s' });
    expect(built).toBe(0);
    expect(lines).toEqual([{ time: '2026-11-25T00:00:00.000Z', level: 'warn', ns: 'agent:camera', msg: 'stalled', camera: 'atm1', reason: 'no frame for 10 s' }]);
  });

  it('keeps an error\'s name, message, code, stack and its chain of causes', () => {
    const { lines, log } = capture();
    const io = Object.assign(new Error("EACCES: permission denied, open '/data/site.db'"), { code: 'EACCES' });
    const wrapped = new Error('store: cannot open /data/site.db', { cause: io });
    log.error('start failed', { err: new TypeError('agent did not start', { cause: wrapped }) });

    const err = lines[0]!.err as Record<string, unknown>;
    expect(err.name).toBe('TypeError');
    expect(err.message).toBe('agent did not start');
    expect(err.stack).toMatch(/^TypeError: agent did not start\n\s+at /);
    expect(err.stack).toContain('logger.test.ts');
    const cause = err.cause as Record<string, unknown>;
    expect(cause).toMatchObject({ name: 'Error', message: 'store: cannot open /data/site.db' });
    expect(cause.stack).toMatch(/^Error: store: cannot open/);
    expect(cause.cause).toMatchObject({ name: 'Error', code: 'EACCES', message: "EACCES: permission denied, open '/data/site.db'" });
    expect((cause.cause as Record<string, unknown>).stack).toMatch(/^Error: EACCES/);
  });

  it('writes errors under any field name, inside nested fields and from another realm', () => {
    const { lines, log } = capture();
    const foreign = runInNewContext('new RangeError("made in a vm")') as Error;
    expect(foreign instanceof Error).toBe(false);
    log.warn('several', { first: new Error('plain'), details: { inner: foreign }, cause: 'a string cause stays a string' });
    expect(lines[0]).toMatchObject({
      first: { name: 'Error', message: 'plain' },
      details: { inner: { name: 'RangeError', message: 'made in a vm' } },
      cause: 'a string cause stays a string',
    });
  });

  it('stops at a cycle and at a long chain instead of failing the line', () => {
    const { lines, log } = capture();
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    let deep = new Error('level 0');
    for (let i = 1; i <= 30; i += 1) deep = new Error(`level ${i}`, { cause: deep });
    log.error('odd errors', { cyclic: a, deep });

    const cyclic = lines[0]!.cyclic as { message: string; cause: { message: string; cause: unknown } };
    expect(cyclic.message).toBe('a');
    expect(cyclic.cause.message).toBe('b');
    expect(cyclic.cause.cause).toBe('[circular: Error: a]');

    const messages: string[] = [];
    let at: unknown = lines[0]!.deep;
    while (typeof at === 'object' && at !== null) {
      messages.push((at as { message: string }).message);
      at = (at as { cause?: unknown }).cause;
    }
    expect(messages).toEqual(Array.from({ length: 9 }, (_, i) => `level ${30 - i}`));
    expect(at).toMatch(/^\[more than 8 nested errors; Error: level 21 and below not logged\]$/);
  });

  it('writes an AggregateError\'s errors, which are all a refused dual-stack connect has to say', () => {
    const { lines, log } = capture();
    const refused = (address: string): Error => Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    log.warn('connection error', { err: Object.assign(new AggregateError([refused('::1:1883'), refused('127.0.0.1:1883')], ''), { code: 'ECONNREFUSED' }) });
    expect(lines[0]!.err).toMatchObject({
      name: 'AggregateError', message: '', code: 'ECONNREFUSED',
      errors: [{ message: 'connect ECONNREFUSED ::1:1883' }, { message: 'connect ECONNREFUSED 127.0.0.1:1883' }],
    });
  });

  it('still writes the line when a field cannot be written as JSON', () => {
    const { lines, log } = capture();
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => log.error('disk check failed', { loop, bytes: 10n })).not.toThrow();
    expect(lines[0]).toMatchObject({ level: 'error', ns: 'agent', msg: 'disk check failed' });
    expect(lines[0]!.logFieldsLost).toMatch(/circular|BigInt/i);
  });
});
