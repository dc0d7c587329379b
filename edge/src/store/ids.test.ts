import { describe, expect, it } from 'vitest';
import { createUuidV7Generator, isUuidV7, uuidV7Time } from './ids.js';

describe('UUIDv7 ids', () => {
  it('are RFC 9562 version 7 with the timestamp in the first 48 bits', () => {
    const id = createUuidV7Generator()(Date.UTC(2025, 5, 1, 5));
    expect(isUuidV7(id)).toBe(true);
    expect(uuidV7Time(id)).toBe(Date.UTC(2025, 5, 1, 5));
  });

  it('sort as text in creation order, within one millisecond and past the counter', () => {
    const next = createUuidV7Generator(() => 1_750_000_000_000);
    const ids = Array.from({ length: 6000 }, () => next());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // 6000 ids cannot fit one millisecond's 4096 counter values: the timestamp is carried forward.
    expect(uuidV7Time(ids.at(-1) ?? '')).toBeGreaterThan(1_750_000_000_000);
  });

  it('stay ordered when the clock steps back', () => {
    let now = 2_000_000;
    const next = createUuidV7Generator(() => now);
    const a = next();
    now = 1_000_000;
    const b = next();
    expect(b > a).toBe(true);
  });

  it('refuse timestamps outside 48 bits', () => {
    const next = createUuidV7Generator();
    expect(() => next(-1)).toThrow(/out of range: -1/);
    expect(() => next(Number.NaN)).toThrow(/out of range/);
    expect(() => uuidV7Time('not-an-id')).toThrow(/not a UUIDv7: not-an-id/);
  });
});
