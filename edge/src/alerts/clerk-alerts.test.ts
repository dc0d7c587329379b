import { describe, expect, it } from 'vitest';
import { ClerkAlertTracker } from './clerk-alerts.js';

const tracker = (maxResends = 3): ClerkAlertTracker => new ClerkAlertTracker({ resendMs: 30_000, maxResends });

describe('ClerkAlertTracker', () => {
  it('alerts on start, reminds every interval up to the maximum while unacknowledged', () => {
    const t = tracker();
    expect(t.onStep('e1', 'start', 'medium', 0)).toEqual({ eventId: 'e1', resend: 0 });
    expect(t.due(29_999)).toEqual([]);
    expect(t.due(30_000)).toEqual([{ eventId: 'e1', resend: 1 }]);
    expect(t.due(30_001)).toEqual([]);
    expect(t.due(61_000)).toEqual([{ eventId: 'e1', resend: 2 }]);
    expect(t.due(95_000)).toEqual([{ eventId: 'e1', resend: 3 }]);
    expect(t.due(10_000_000)).toEqual([]);
    expect(t.signal).toBe(true);
  });

  it('stops reminding on an ack and on the end of the event', () => {
    const t = tracker();
    t.onStep('a', 'start', 'medium', 0);
    t.onStep('b', 'start', 'medium', 0);
    expect(t.onAck('a')).toBe(true);
    expect(t.onAck('a')).toBe(false);
    expect(t.due(30_000)).toEqual([{ eventId: 'b', resend: 1 }]);
    t.onStep('b', 'end', 'medium', 40_000);
    expect(t.due(90_000)).toEqual([]);
    expect(t.onAck('b')).toBe(false);
  });

  it('sends a new alert when severity rises, restarting its reminders, but not after an ack', () => {
    const t = tracker(1);
    t.onStep('e1', 'start', 'medium', 0);
    expect(t.onStep('e1', 'update', 'medium', 5_000)).toBeNull();
    expect(t.due(30_000)).toEqual([{ eventId: 'e1', resend: 1 }]);
    expect(t.due(60_000)).toEqual([]);
    expect(t.onStep('e1', 'update', 'high', 62_000)).toEqual({ eventId: 'e1', resend: 0 });
    expect(t.due(91_999)).toEqual([]);
    expect(t.due(92_000)).toEqual([{ eventId: 'e1', resend: 1 }]);

    t.onStep('e2', 'start', 'medium', 0);
    t.onAck('e2');
    expect(t.onStep('e2', 'update', 'high', 1_000)).toBeNull();
  });

  it('never reminds with maxResends 0', () => {
    const t = tracker(0);
    t.onStep('e1', 'start', 'high', 0);
    expect(t.due(1_000_000)).toEqual([]);
  });

  it('signals while any alerted event is open and unacknowledged', () => {
    const t = tracker();
    expect(t.signal).toBe(false);
    t.onStep('a', 'start', 'medium', 0);
    t.onStep('b', 'start', 'high', 0);
    t.onAck('a');
    expect(t.signal).toBe(true);
    t.onStep('b', 'end', 'high', 1);
    expect(t.signal).toBe(false);
    t.onStep('a', 'end', 'medium', 2);
    expect(t.signal).toBe(false);
    expect(() => new ClerkAlertTracker({ resendMs: 0, maxResends: 1 })).toThrow(/resendMs must be > 0/);
  });
});
