import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SegmentError, StoreValidationError, type Store } from './store.js';
import { thrown, useTempStores } from '../../test/temp-store.js';

const openWith = useTempStores('mimamori-segments-');
const open = (): Store => openWith({ now: () => 42 });

const T0 = Date.UTC(2025, 5, 1);
const S = 1000;


describe('segments', () => {
  it('adds, completes and counts segments', () => {
    const store = open();
    const added = store.segments.add({ camera: 'atm-1', path: 'footage/atm-1/0001.ts', startMs: T0, container: 'mpegts' });
    expect(added).toMatchObject({ camera: 'atm-1', path: 'footage/atm-1/0001.ts', startMs: T0, endMs: null, bytes: null, createdAt: 42 });
    const done = store.segments.complete('footage/atm-1/0001.ts', T0 + 60 * S, 12_345_678);
    expect(done).toEqual({ ...added, endMs: T0 + 60 * S, bytes: 12_345_678 });
    store.segments.add({ camera: 'atm-1', path: 'footage/atm-1/0002.mp4', startMs: T0 + 60 * S, endMs: T0 + 120 * S, bytes: 5, container: 'mp4' });
    expect(store.segments.count()).toBe(2);
    expect(store.resolve('footage/atm-1/0001.ts')).toBe(path.join(store.dataDir, 'footage', 'atm-1', '0001.ts'));
  });

  it('keeps the camera codec a segment was transcoded from; a copy has none', () => {
    const store = open();
    const copied = store.segments.add({ camera: 'atm-1', path: 'r/0.ts', startMs: T0, endMs: T0 + S, bytes: 1, container: 'mpegts' });
    const transcoded = store.segments.add({ camera: 'atm-1', path: 'r/1.ts', startMs: T0 + S, endMs: T0 + 2 * S, bytes: 1, container: 'mpegts', transcodedFrom: 'msmpeg4v3' });
    expect([copied.transcodedFrom, transcoded.transcodedFrom]).toEqual([null, 'msmpeg4v3']);
    expect(store.segments.list({ camera: 'atm-1', from: T0, to: T0 + 2 * S }).map((r) => r.transcodedFrom)).toEqual([null, 'msmpeg4v3']);
    expect(thrown(() => store.segments.add({ camera: 'atm-1', path: 'r/2.ts', startMs: T0, container: 'mpegts', transcodedFrom: 'a b' })).message)
      .toContain('transcodedFrom');
  });

  it('lists the segments of one camera overlapping [from, to), oldest first', () => {
    const store = open();
    // atm-1: [0,60) [60,120) [120,180) and one still being written from 180 s.
    for (let i = 0; i < 3; i++) {
      store.segments.add({ camera: 'atm-1', path: `a/${i}.ts`, startMs: T0 + i * 60 * S, endMs: T0 + (i + 1) * 60 * S, bytes: 1, container: 'mpegts' });
    }
    store.segments.add({ camera: 'atm-1', path: 'a/3.ts', startMs: T0 + 180 * S, container: 'mpegts' });
    store.segments.add({ camera: 'atm-2', path: 'b/0.ts', startMs: T0, endMs: T0 + 600 * S, bytes: 1, container: 'mpegts' });
    const paths = (from: number, to: number): string[] =>
      store.segments.list({ camera: 'atm-1', from: T0 + from * S, to: T0 + to * S }).map((s) => s.path);

    expect(paths(30, 90)).toEqual(['a/0.ts', 'a/1.ts']);
    expect(paths(60, 120)).toEqual(['a/1.ts']); // touching at the edges is not overlapping
    expect(paths(59, 61)).toEqual(['a/0.ts', 'a/1.ts']);
    expect(paths(100, 1000)).toEqual(['a/1.ts', 'a/2.ts', 'a/3.ts']);
    expect(paths(5000, 6000)).toEqual(['a/3.ts']); // open segment reaches to the present
    expect(paths(-100, 0)).toEqual([]);
    expect(store.segments.list({ camera: 'nowhere', from: T0, to: T0 + 1000 * S })).toEqual([]);
  });

  it('the overlap query uses the (camera, start_ms) index', () => {
    const store = open();
    store.close();
    const raw = new Sqlite(store.file, { readonly: true });
    try {
      const plan = raw.prepare(`EXPLAIN QUERY PLAN SELECT * FROM segments
        WHERE camera = 'a' AND start_ms < 5 AND (end_ms IS NULL OR end_ms > 1)`).all() as { detail: string }[];
      expect(plan.map((p) => p.detail).join('\n')).toContain('segments_camera_start');
    } finally {
      raw.close();
    }
  });

  it('refuses a duplicate path, naming it', () => {
    const store = open();
    store.segments.add({ camera: 'atm-1', path: 'a/0.ts', startMs: T0, container: 'mpegts' });
    const error = thrown(() => store.segments.add({ camera: 'atm-1', path: 'a/0.ts', startMs: T0 + 1, container: 'mpegts' }));
    expect(error).toBeInstanceOf(SegmentError);
    expect(error.message).toBe('segments.add: segment a/0.ts: already in the index');
    expect(store.segments.count()).toBe(1);
  });

  it('complete() refuses unknown, already completed and backwards segments, naming the path', () => {
    const store = open();
    expect(thrown(() => store.segments.complete('a/x.ts', T0, 1)).message).toBe('segments.complete: segment a/x.ts: not in the index');
    store.segments.add({ camera: 'atm-1', path: 'a/0.ts', startMs: T0, container: 'mpegts' });
    expect(thrown(() => store.segments.complete('a/0.ts', T0 - 1, 1)).message).toContain('a/0.ts: endMs');
    store.segments.complete('a/0.ts', T0 + 1, 1);
    expect(thrown(() => store.segments.complete('a/0.ts', T0 + 2, 2)).message).toContain('a/0.ts: already completed');
  });

  it('refuses bad containers, paths and numbers, naming the field', () => {
    const store = open();
    const bad: [Record<string, unknown>, string][] = [
      [{ container: 'avi' }, 'container'],
      [{ path: '/var/footage/a.ts' }, 'path'],
      [{ path: 'a/../../b.ts' }, 'path'],
      [{ startMs: Number.NaN }, 'startMs'],
      [{ endMs: T0 - 1 }, 'endMs'],
      [{ bytes: Number.POSITIVE_INFINITY }, 'bytes'],
    ];
    for (const [fields, field] of bad) {
      const error = thrown(() =>
        store.segments.add({ camera: 'atm-1', path: 'a/0.ts', startMs: T0, container: 'mpegts', ...fields } as never),
      );
      expect(error).toBeInstanceOf(StoreValidationError);
      expect(error).toMatchObject({ field });
    }
    store.segments.add({ camera: 'atm-1', path: 'a/0.ts', startMs: T0, container: 'mpegts' });
    expect(thrown(() => store.segments.complete('a/0.ts', T0 + 1, Number.NaN))).toMatchObject({ field: 'bytes' });
    expect(thrown(() => store.segments.list({ camera: 'atm-1', from: 10, to: 5 }))).toMatchObject({ field: 'to' });
  });
});
