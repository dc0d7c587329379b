import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelayMs, DEFAULT_BACKOFF } from './backoff.js';

describe('backoff', () => {
  it('doubles from 1 s to a 60 s cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelayMs(a, DEFAULT_BACKOFF, 0.5));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });

  it('jitters within ±20%', () => {
    expect(backoffDelayMs(0, DEFAULT_BACKOFF, 0)).toBe(800);
    expect(backoffDelayMs(0, DEFAULT_BACKOFF, 0.999999)).toBe(1200);
    expect(backoffDelayMs(10, DEFAULT_BACKOFF, 0)).toBe(48000);
  });

  it('grows per retry and starts over after reset', () => {
    const b = new Backoff({}, () => 0.5);
    expect([b.next(), b.next(), b.next()]).toEqual([1000, 2000, 4000]);
    b.reset();
    expect(b.next()).toBe(1000);
  });

  it('rejects nonsense options', () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow(/invalid backoff/);
    expect(() => new Backoff({ jitter: 1 })).toThrow(/invalid backoff/);
  });
});
