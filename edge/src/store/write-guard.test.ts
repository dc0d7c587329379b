/**
 * The write guard and the disk reserve on a real, small filesystem (a tmpfs filled with a file):
 * the reserve is real bytes, a refused critical write gets part of it back and commits, one that
 * still cannot commit throws an error naming the write, and best-effort writes (health samples,
 * the segment index) never throw on a full disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mountSmallFilesystem, type SmallFilesystem } from '../../test/small-filesystem.js';
import { createLogger } from '../log/logger.js';
import { DiskReserve } from './disk-reserve.js';
import { openStore, type Store } from './store.js';
import { classifyWriteFailure, StoreWriteError } from './write-failure.js';
import { WriteGuard } from './write-guard.js';

const MiB = 1024 * 1024;
const lines: Record<string, unknown>[] = [];
const log = createLogger('test', { level: 'info', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });

let disk: SmallFilesystem;
let store: Store | null = null;
beforeAll(() => {
  disk = mountSmallFilesystem(8 * MiB);
});
afterEach(() => {
  store?.close();
  store = null;
  disk.unfill();
  fs.rmSync(path.join(disk.dir, 'data'), { recursive: true, force: true });
});
afterAll(() => disk.close());

function newEvent(camera: string): Parameters<Store['events']['start']>[0] {
  const at = Date.now();
  return {
    camera, zone: 'atm-front', behaviour: 'phone_at_atm', severity: 'high', trackId: 1, startedAt: at,
    dwellSeconds: 3, phone: 'call', clipStart: at - 3000, details: { atmId: 'atm1' },
  };
}

describe('the disk reserve', () => {
  it('holds real bytes, gives them back in parts and is restored only when the disk has room besides', () => {
    const dataDir = path.join(disk.dir, 'data');
    fs.mkdirSync(dataDir);
    const reserve = new DiskReserve(dataDir, MiB);
    const free = disk.freeBytes();
    expect(reserve.restore(0)).toBe(MiB);
    // Allocated, not a sparse hole: the filesystem has a MiB less.
    expect(fs.statSync(reserve.file).blocks * 512).toBeGreaterThanOrEqual(MiB);
    expect(free - disk.freeBytes()).toBeGreaterThanOrEqual(MiB);
    expect(reserve.release(256 * 1024)).toBe(256 * 1024);
    expect(reserve).toMatchObject({ bytes: 768 * 1024, missingBytes: 256 * 1024, complete: false });
    expect(new DiskReserve(dataDir, MiB).bytes).toBe(768 * 1024);

    disk.fill(512 * 1024);
    // 512 KiB free: room for the missing 256 KiB, but not for them and 512 KiB more.
    expect(reserve.restore(512 * 1024)).toBe(0);
    expect(reserve.restore(0)).toBe(256 * 1024);
    expect(reserve.complete).toBe(true);
  });
});

describe('the write guard on a full disk', () => {
  it('commits an event from the reserve, then names the write it cannot commit once the reserve is gone', () => {
    const dataDir = path.join(disk.dir, 'data');
    store = openStore(dataDir);
    const reserve = new DiskReserve(dataDir, 512 * 1024);
    reserve.restore(0);
    let told = 0;
    const writes = new WriteGuard({ log, reserve, releaseStepBytes: 128 * 1024, onNoSpace: () => (told += 1) });
    const s = store;

    disk.fill();
    const record = writes.critical('events.start(atmcam)', () => s.events.start(newEvent('atmcam')));
    expect(s.events.get(record.id)).toMatchObject({ camera: 'atmcam' });
    expect(reserve.bytes).toBeLessThan(512 * 1024);
    expect(writes.shortOfSpace).toBe(true);
    expect(told).toBeGreaterThan(0);

    // Whatever the reserve gave back is taken too, until it is gone.
    let error: unknown;
    for (let i = 0; i < 200 && error === undefined; i += 1) {
      disk.fill();
      try {
        writes.critical('events.start(atmcam)', () => s.events.start(newEvent('atmcam')));
      } catch (err) {
        error = err;
      }
    }
    expect(reserve.bytes).toBe(0);
    expect(error).toBeInstanceOf(StoreWriteError);
    expect(error).toMatchObject({ operation: 'events.start(atmcam)', kind: 'no_space' });
    expect((error as Error).message).toMatch(/^events\.start\(atmcam\): no space left on the data disk: /);
    expect(classifyWriteFailure(error)).toBe('no_space');
  });

  it('drops health samples and segment index rows it cannot write, counting them, without throwing', () => {
    const dataDir = path.join(disk.dir, 'data');
    store = openStore(dataDir);
    const writes = new WriteGuard({ log, reserve: new DiskReserve(dataDir, 0) });
    const s = store;
    disk.fill();
    const results: unknown[] = [];
    for (let i = 0; i < 50; i += 1) {
      results.push(writes.bestEffort('health.record(cam1)', () => s.health.record({ camera: 'cam1', state: 'streaming', fpsIn: 10, fpsOut: 5, dropped: i })));
      results.push(writes.bestEffort('segments.add(cam1)', () => s.segments.add({
        camera: 'cam1', path: `recordings/cam1/2026-12-02/cam1-20261202-0600${String(i).padStart(2, '0')}.ts`,
        startMs: 1_700_000_000_000 + i * 5000, endMs: 1_700_000_005_000 + i * 5000, bytes: 1000, container: 'mpegts',
      }), { whileShort: true }));
    }
    expect(results.some((r) => r === undefined)).toBe(true);
    expect(writes.writeFailures).toBe(results.filter((r) => r === undefined).length);
    // One line per kind of write for the first failure, not one per refused write.
    const failed = lines.filter((l) => l.msg === 'write failed (best effort, dropped)');
    expect(failed.length).toBeLessThanOrEqual(2);
    expect(failed[0]).toMatchObject({ kind: 'no_space' });
  });

  it('skips best-effort writes while the reserve is in use, so its room goes to alerts', () => {
    const dataDir = path.join(disk.dir, 'data');
    store = openStore(dataDir);
    const reserve = new DiskReserve(dataDir, 256 * 1024);
    reserve.restore(0);
    reserve.release(64 * 1024);
    const writes = new WriteGuard({ log, reserve });
    const s = store;
    expect(writes.bestEffort('health.record(cam1)', () => s.health.record({ camera: 'cam1', state: 'streaming' }))).toBeUndefined();
    expect(s.health.latest('cam1')).toBeUndefined();
    expect(writes.writeFailures).toBe(1);
    expect(writes.bestEffort('segments.add(cam1)', () => 'written', { whileShort: true })).toBe('written');
  });
});
