import { describe, expect, it } from 'vitest';
import { StoreValidationError } from './store.js';
import { thrown, useTempStores } from '../../test/temp-store.js';

const openWith = useTempStores('mimamori-outbox-');
const DAY = 86_400_000;
const msg = (n: number, topic = 'mimamori/site-1/alerts') => ({ topic, payload: { eventId: `e${n}`, n }, qos: 1 as const, retain: false });

describe('outbox', () => {
  it('stamps the outbox seq into payloads without one and keeps a caller seq', () => {
    let now = 1000;
    const store = openWith({ now: () => now });
    const a = store.outbox.enqueue(msg(1));
    now = 2000;
    const b = store.outbox.enqueue({ topic: 'mimamori/site-1/status/x', payload: { eventId: 'e2', seq: 99 }, qos: 0, retain: true });
    expect(b.seq).toBe(a.seq + 1);
    expect(store.outbox.pending()).toEqual([
      { seq: a.seq, topic: 'mimamori/site-1/alerts', payload: JSON.stringify({ eventId: 'e1', n: 1, seq: a.seq }), qos: 1, retain: false, createdAt: 1000, publishedAt: null, attempts: 0, lastError: null },
      { seq: b.seq, topic: 'mimamori/site-1/status/x', payload: JSON.stringify({ eventId: 'e2', seq: 99 }), qos: 0, retain: true, createdAt: 2000, publishedAt: null, attempts: 0, lastError: null },
    ]);
  });

  it('lists pending oldest first, marks failures and publication', () => {
    const store = openWith();
    const seqs = [1, 2, 3].map((n) => store.outbox.enqueue(msg(n)).seq);
    store.outbox.markFailed(seqs[0]!, 'not connected');
    expect(store.outbox.get(seqs[0]!)).toMatchObject({ attempts: 1, lastError: 'not connected', publishedAt: null });
    store.outbox.markPublished(seqs[0]!, 5000);
    store.outbox.markPublished(seqs[0]!, 6000);
    expect(store.outbox.get(seqs[0]!)).toMatchObject({ attempts: 2, lastError: null, publishedAt: 5000 });
    expect(store.outbox.pending(1).map((m) => m.seq)).toEqual([seqs[1]]);
    expect(store.outbox.pendingCount()).toBe(2);
    expect(() => store.outbox.markPublished(12345, 1)).toThrow('outbox.markPublished: no outbox message with seq 12345');
    expect(() => store.outbox.markFailed(seqs[0]!, 'late')).toThrow(/already published/);
  });

  it('prunes only published messages older than the cutoff, and never reuses a seq', () => {
    const store = openWith();
    const old = store.outbox.enqueue(msg(1)).seq;
    const recent = store.outbox.enqueue(msg(2)).seq;
    const pending = store.outbox.enqueue(msg(3)).seq;
    store.outbox.markPublished(old, 10 * DAY);
    store.outbox.markPublished(recent, 20 * DAY);
    expect(store.outbox.prune(15 * DAY)).toBe(1);
    expect(store.outbox.get(old)).toBeUndefined();
    expect(store.outbox.get(recent)).toBeDefined();
    expect(store.outbox.prune(100 * DAY)).toBe(1);
    expect(store.outbox.pending().map((m) => m.seq)).toEqual([pending]);
    store.outbox.markPublished(pending, 30 * DAY);
    store.outbox.prune(100 * DAY);
    expect(store.outbox.enqueue(msg(4)).seq).toBe(pending + 1);
  });

  it.each([
    ['mimamori/+/alerts', /wildcards/],
    ['mimamori/#', /wildcards/],
    ['mimamori//alerts', /empty levels/],
    ['/mimamori/alerts', /empty levels/],
    ['mimamori/alerts/', /empty levels/],
    ['', /topic/],
    ['a'.repeat(257), /topic/],
  ])('refuses the topic %j naming the field', (topic, problem) => {
    const store = openWith();
    const error = thrown(() => store.outbox.enqueue({ ...msg(1), topic }));
    expect(error).toBeInstanceOf(StoreValidationError);
    expect(error).toMatchObject({ field: 'topic' });
    expect(error.message).toMatch(problem);
    expect(store.outbox.pendingCount()).toBe(0);
  });

  it('refuses a bad qos or a payload that is not JSON, naming the field', () => {
    const store = openWith();
    expect(thrown(() => store.outbox.enqueue({ ...msg(1), qos: 2 as never }))).toMatchObject({ field: 'qos' });
    expect(thrown(() => store.outbox.enqueue({ ...msg(1), payload: { x: Number.NaN } }))).toMatchObject({ field: 'payload.x' });
  });
});
