import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../test/wait-until.js';
import { createLogger } from './logger.js';
import { RateLimitedLog } from './rate-limited-log.js';

interface Line { level: string; msg: string; [field: string]: unknown }

const opened: RateLimitedLog[] = [];
afterEach(() => {
  for (const l of opened.splice(0)) l.close();
});

function limited(intervalMs: number, maxKeys?: number): { log: RateLimitedLog; lines: Line[] } {
  const lines: Line[] = [];
  const logger = createLogger('test', { level: 'info', write: (l) => lines.push(JSON.parse(l) as Line) });
  const log = new RateLimitedLog(logger, { intervalMs, ...(maxKeys === undefined ? {} : { maxKeys }) });
  opened.push(log);
  return { log, lines };
}

describe('RateLimitedLog', () => {
  it('writes the first line of a key at once and holds back the rest of the interval, then writes the latest with the count', async () => {
    const { log, lines } = limited(200);
    for (let i = 0; i < 1000; i++) log.warn('invalid', 'ack ignored', { n: i });
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'ack ignored', n: 0 })]);
    expect(lines[0]).not.toHaveProperty('suppressed');
    await waitUntil('the held-back count', () => lines.length === 2);
    expect(lines[1]).toMatchObject({ level: 'warn', msg: 'ack ignored', n: 999, suppressed: 999 });
  });

  it('keeps a steady flood to one line per interval and counts every line it held back', async () => {
    const { log, lines } = limited(100);
    let sent = 0;
    const started = Date.now();
    while (Date.now() < started + 450) {
      log.info('k', 'flood', { n: sent++ });
      await new Promise((r) => setTimeout(r, 1));
    }
    const elapsed = Date.now() - started;
    log.close();
    const written = lines.length;
    // One line at once, then at most one per 100 ms interval that passed, and one at close.
    expect(written).toBeGreaterThanOrEqual(2);
    expect(written).toBeLessThanOrEqual(2 + Math.ceil(elapsed / 100));
    const suppressed = lines.reduce((sum, l) => sum + (typeof l.suppressed === 'number' ? l.suppressed : 0), 0);
    // Every line is either written or counted in a later line: nothing vanishes.
    expect(1 + suppressed).toBe(sent);
    expect(lines.at(-1)).toMatchObject({ n: sent - 1 });
  });

  it('limits each key on its own', () => {
    const { log, lines } = limited(60_000);
    for (let i = 0; i < 10; i++) {
      log.warn('invalid', 'ack ignored', { reason: 'bad' });
      log.warn('no such event', 'ack ignored', { reason: 'no such event' });
    }
    log.error('store', 'ack not stored');
    expect(lines.map((l) => [l.level, l.reason ?? l.msg])).toEqual([['warn', 'bad'], ['warn', 'no such event'], ['error', 'ack not stored']]);
  });

  it('bounds the keys it tracks: keys beyond maxKeys share one interval', () => {
    const { log, lines } = limited(60_000, 3);
    for (let i = 0; i < 5000; i++) log.warn(`event-${i}`, 'ack ignored', { i });
    expect(lines.map((l) => l.i)).toEqual([0, 1, 2, 3]);
    log.close();
    expect(lines.at(-1)).toMatchObject({ i: 4999, suppressed: 4996 });
  });

  it('writes what it held back on close, and writes directly after', () => {
    const { log, lines } = limited(60_000);
    log.warn('k', 'first');
    log.warn('k', 'second');
    log.warn('k', 'third');
    log.close();
    expect(lines.map((l) => [l.msg, l.suppressed])).toEqual([['first', undefined], ['third', 2]]);
    log.warn('k', 'after');
    expect(lines.at(-1)).toMatchObject({ msg: 'after' });
  });

  it('refuses a non-positive interval or key bound', () => {
    const logger = createLogger('test', { write: () => undefined });
    expect(() => new RateLimitedLog(logger, { intervalMs: 0 })).toThrow(/intervalMs must be positive/);
    expect(() => new RateLimitedLog(logger, { intervalMs: 10, maxKeys: 0 })).toThrow(/maxKeys must be a positive integer/);
  });
});
