import { describe, expect, it } from 'vitest';
import { formatTimestamp } from './timestamps.js';

describe('formatTimestamp', () => {
  const t = Date.UTC(2025, 5, 1, 5, 3, 7, 250);

  it('formats ISO-8601 with an explicit offset', () => {
    expect(formatTimestamp(t, 540)).toBe('2025-06-01T14:03:07.250+09:00');
    expect(formatTimestamp(t, 0)).toBe('2025-06-01T05:03:07.250+00:00');
    expect(formatTimestamp(t, -330)).toBe('2025-05-31T23:33:07.250-05:30');
  });

  it('round-trips through Date', () => {
    expect(Date.parse(formatTimestamp(t))).toBe(t);
    expect(Date.parse(formatTimestamp(t, 540))).toBe(t);
  });

  it('refuses a non-finite time', () => {
    expect(() => formatTimestamp(Number.NaN)).toThrow(/NaN/);
  });
});
