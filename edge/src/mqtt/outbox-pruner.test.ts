/**
 * The pruner on a real SQLite outbox with a controlled clock: fake timers drive the hourly
 * schedule (no broker is involved, so nothing else depends on real time here).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../log/logger.js';
import { useTempStores } from '../../test/temp-store.js';
import { DAY_MS, OutboxPruner } from './outbox-pruner.js';

const openWith = useTempStores('mimamori-pruner-');
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 25, 0, 0, 0);
const lines: Record<string, unknown>[] = [];
const log = createLogger('pruner-test', { level: 'debug', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
const msg = (n: number) => ({ topic: 'mimamori/site-1/clerk/alerts', payload: { eventId: `e${n}` }, qos: 1 as const, retain: false });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'], now: T0 });
  lines.length = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('outbox pruner', () => {
  it('deletes published messages past the retention at start and every interval, never pending ones', () => {
    const store = openWith();
    const oldest = store.outbox.enqueue(msg(1)).seq;
    const weekOld = store.outbox.enqueue(msg(2)).seq;
    const fresh = store.outbox.enqueue(msg(3)).seq;
    const stuck = store.outbox.enqueue(msg(4)).seq; // from a long outage: never published
    store.outbox.markPublished(oldest, T0 - 8 * DAY_MS);
    store.outbox.markPublished(weekOld, T0 - 7 * DAY_MS + HOUR / 2);
    store.outbox.markPublished(fresh, T0 - HOUR);

    const pruner = new OutboxPruner(store.outbox, log, { retentionMs: 7 * DAY_MS, intervalMs: HOUR });
    pruner.start();
    expect(store.outbox.get(oldest)).toBeUndefined();
    expect(store.outbox.get(weekOld)).toBeDefined();
    expect(lines.filter((l) => l.msg === 'outbox pruned')).toEqual([expect.objectContaining({ deleted: 1 })]);

    vi.advanceTimersByTime(HOUR);
    expect(store.outbox.get(weekOld)).toBeUndefined();
    expect(store.outbox.get(fresh)).toBeDefined();

    vi.advanceTimersByTime(8 * DAY_MS);
    expect(store.outbox.get(fresh)).toBeUndefined();
    expect(store.outbox.get(stuck)).toMatchObject({ publishedAt: null });
    expect(store.outbox.pending().map((m) => m.seq)).toEqual([stuck]);
    // A quiet hour with nothing to delete is not a log line.
    expect(lines.filter((l) => l.msg === 'outbox pruned')).toHaveLength(3);
    pruner.close();
  });

  it('stops on close()', () => {
    const store = openWith();
    const pruner = new OutboxPruner(store.outbox, log, { retentionMs: DAY_MS, intervalMs: HOUR });
    pruner.start();
    pruner.close();
    pruner.close();
    const seq = store.outbox.enqueue(msg(1)).seq;
    store.outbox.markPublished(seq, T0 - 2 * DAY_MS);
    vi.advanceTimersByTime(10 * HOUR);
    expect(store.outbox.get(seq)).toBeDefined();
    expect(vi.getTimerCount()).toBe(0);
    expect(() => pruner.start()).toThrow(/after close/);
  });

  it('logs a failing prune and keeps going', () => {
    const store = openWith();
    const pruner = new OutboxPruner(store.outbox, log, { intervalMs: HOUR });
    pruner.start();
    store.close(); // the database going away underneath, as at a disorderly shutdown
    vi.advanceTimersByTime(HOUR);
    expect(lines.some((l) => l.msg === 'outbox prune failed')).toBe(true);
    expect(vi.getTimerCount()).toBe(1);
    pruner.close();
  });

  it('refuses a retention that would delete everything', () => {
    const store = openWith();
    expect(() => new OutboxPruner(store.outbox, log, { retentionMs: 0 })).toThrow('outbox pruner: retentionMs must be > 0, got 0');
  });
});
