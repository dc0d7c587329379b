import { describe, expect, it } from 'vitest';
import { WarningLimiter, type LimiterInput } from './warning-limiter.js';

function at(atMs: number, eventId: string, type: LimiterInput['type'], severity: LimiterInput['severity'] = 'high', atmId = 'atm-1'): LimiterInput {
  return { atmId, eventId, type, severity, atMs };
}

describe('WarningLimiter', () => {
  it('shows an event once and clears it when it ends', () => {
    const limiter = new WarningLimiter();
    expect(limiter.decide(at(0, 'e1', 'start'))).toEqual({ action: 'show', reason: 'event started' });
    expect(limiter.decide(at(1_000, 'e1', 'update')).action).toBe('none');
    expect(limiter.decide(at(2_000, 'e1', 'start')).action).toBe('none');
    expect(limiter.decide(at(5_000, 'e1', 'end'))).toEqual({ action: 'clear', reason: 'event ended' });
    // A late duplicate of the ended event must not warn the next customer.
    expect(limiter.decide(at(60_000, 'e1', 'start'))).toEqual({ action: 'none', reason: 'event already ended' });
    expect(limiter.decide(at(61_000, 'e1', 'end')).action).toBe('none');
  });

  it('does not clear an event that was never shown', () => {
    const limiter = new WarningLimiter();
    limiter.decide(at(0, 'e1', 'start'));
    expect(limiter.decide(at(1_000, 'e2', 'start')).reason).toBe('ATM busy with event e1');
    expect(limiter.decide(at(2_000, 'e2', 'end'))).toEqual({ action: 'none', reason: 'ended without being shown' });
  });

  it('keeps ATMs apart', () => {
    const limiter = new WarningLimiter();
    expect(limiter.decide(at(0, 'e1', 'start', 'high', 'atm-1')).action).toBe('show');
    expect(limiter.decide(at(0, 'e2', 'start', 'high', 'atm-2')).action).toBe('show');
  });

  it('rests the screen for the cool-down after a clear, then lets a still-running event show on update', () => {
    const limiter = new WarningLimiter();
    limiter.decide(at(0, 'e1', 'start'));
    limiter.decide(at(10_000, 'e1', 'end'));
    expect(limiter.decide(at(12_000, 'e2', 'start'))).toEqual({ action: 'none', reason: 'cool-down, 28000 ms left' });
    expect(limiter.decide(at(39_999, 'e2', 'update')).action).toBe('none');
    expect(limiter.decide(at(40_000, 'e2', 'update'))).toEqual({ action: 'show', reason: 'event still on, screen free' });
  });

  it('takes a custom cool-down', () => {
    const limiter = new WarningLimiter({ cooldownMs: 5_000 });
    limiter.decide(at(0, 'e1', 'start'));
    limiter.decide(at(1_000, 'e1', 'end'));
    expect(limiter.decide(at(6_000, 'e2', 'start')).action).toBe('show');
  });

  it('caps a flicker storm at N shows per ATM per minute', () => {
    const limiter = new WarningLimiter({ cooldownMs: 0 });
    const shows: number[] = [];
    // Detections flickering: a new event every 2 s, each lasting 1 s, for two minutes.
    for (let i = 0; i < 60; i++) {
      const t = i * 2_000;
      if (limiter.decide(at(t, `f${i}`, 'start')).action === 'show') shows.push(t);
      limiter.decide(at(t + 1_000, `f${i}`, 'end'));
    }
    expect(shows).toEqual([0, 2_000, 4_000, 60_000, 62_000, 64_000]);
    for (const t of shows) expect(shows.filter((s) => s > t - 60_000 && s <= t).length).toBeLessThanOrEqual(3);

    const strict = new WarningLimiter({ cooldownMs: 0, maxShowsPerMinute: 1 });
    expect(strict.decide(at(0, 'a', 'start')).action).toBe('show');
    strict.decide(at(100, 'a', 'end'));
    expect(strict.decide(at(200, 'b', 'start'))).toEqual({ action: 'none', reason: '1 shows in the last minute' });
  });

  it('re-shows the same event when an update raises its severity, once per level', () => {
    const limiter = new WarningLimiter();
    expect(limiter.decide(at(0, 'e1', 'start', 'medium')).action).toBe('show');
    expect(limiter.decide(at(1_000, 'e1', 'update', 'medium')).action).toBe('none');
    expect(limiter.decide(at(2_000, 'e1', 'update', 'high'))).toEqual({
      action: 'show',
      reason: 'severity rose medium → high: replace the text',
    });
    expect(limiter.decide(at(3_000, 'e1', 'update', 'high')).action).toBe('none');
    expect(limiter.decide(at(4_000, 'e1', 'end')).action).toBe('clear');
  });

  it('lets an escalation through even when the per-minute cap is reached', () => {
    const limiter = new WarningLimiter({ cooldownMs: 0, maxShowsPerMinute: 1 });
    expect(limiter.decide(at(0, 'e1', 'start', 'medium')).action).toBe('show');
    expect(limiter.decide(at(1_000, 'e1', 'update', 'high')).action).toBe('show');
  });

  it('keeps low-severity events off the customer screen by default', () => {
    expect(new WarningLimiter().decide(at(0, 'e1', 'start', 'low'))).toEqual({ action: 'none', reason: 'severity low below medium' });
    expect(new WarningLimiter({ minSeverity: 'low' }).decide(at(0, 'e1', 'start', 'low')).action).toBe('show');
  });

  it('forgets the oldest ended events beyond rememberEnded', () => {
    const limiter = new WarningLimiter({ rememberEnded: 2, cooldownMs: 0, maxShowsPerMinute: 100 });
    for (const id of ['a', 'b', 'c']) {
      limiter.decide(at(0, id, 'start'));
      limiter.decide(at(0, id, 'end'));
    }
    expect(limiter.decide(at(1, 'b', 'start')).reason).toBe('event already ended');
    expect(limiter.decide(at(1, 'a', 'start')).action).toBe('show');
  });

  it('refuses nonsense options', () => {
    expect(() => new WarningLimiter({ maxShowsPerMinute: 0 })).toThrow(RangeError);
    expect(() => new WarningLimiter({ cooldownMs: -1 })).toThrow(RangeError);
  });
});
