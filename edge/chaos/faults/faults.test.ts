/**
 * The fault injectors do what the chaos scenarios rely on, checked on real processes: ffmpeg
 * switched off fails and back on runs, a faked clock moves a running node process's Date, the
 * held SQLite lock makes another writer fail with SQLITE_BUSY, a filled tmpfs refuses writes.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { FakeClock } from './fake-clock.js';
import { FfmpegSwitch } from './ffmpeg-switch.js';
import { holdWriteLock } from './sqlite-lock.js';
import { TmpfsDisk } from './tmpfs-disk.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mimamori-chaos-faults-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fault injectors', () => {
  it('FfmpegSwitch: off fails like a missing binary, on runs the real ffmpeg', async () => {
    const sw = new FfmpegSwitch(dir);
    expect((await run(sw.path, ['-version'])).stdout).toMatch(/^ffmpeg version/);
    sw.off();
    await expect(run(sw.path, ['-version'])).rejects.toMatchObject({ code: 127, stderr: expect.stringMatching(/not found/) });
    sw.on();
    expect(sw.available).toBe(true);
    expect((await run(sw.path, ['-version'])).stdout).toMatch(/^ffmpeg version/);
  });

  it('FakeClock: rewriting the offset moves the wall clock of a process that is already running', async () => {
    const clock = new FakeClock(dir);
    const child = spawn(process.execPath, ['-e', 'process.stdin.on("data", () => console.log(Date.now()))'], { env: { ...process.env, ...clock.env }, stdio: ['pipe', 'pipe', 'inherit'] });
    const ask = (): Promise<number> => new Promise((resolve) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.stdin.write('\n');
    });
    try {
      expect(Math.abs((await ask()) - Date.now())).toBeLessThan(60_000);
      clock.set(2 * 3600);
      expect((await ask()) - Date.now()).toBeGreaterThan(2 * 3600_000 - 60_000);
      clock.set(-2 * 3600);
      expect(Date.now() - (await ask())).toBeGreaterThan(2 * 3600_000 - 60_000);
    } finally {
      child.kill();
    }
  });

  it('holdWriteLock: another connection cannot write until the lock is released', async () => {
    const data = join(dir, 'db');
    openStore(data).close();
    const lock = await holdWriteLock(data, 1500);
    const db = new Sqlite(join(data, 'mimamori.db'));
    db.pragma('busy_timeout = 100');
    try {
      expect(() => db.exec('CREATE TABLE chaos_probe (x)')).toThrow(/locked|busy/i);
      await lock.released;
      db.exec('CREATE TABLE chaos_probe (x)');
    } finally {
      db.close();
      lock.stop();
    }
  });

  it('TmpfsDisk: filled, a write fails with ENOSPC; emptied, it succeeds (needs root)', async () => {
    const disk = new TmpfsDisk(join(dir, 'disk'), 8);
    disk.mount();
    try {
      expect(disk.fill()).toBeGreaterThan(7 * 1024 * 1024);
      expect(disk.freeBytes()).toBe(0);
      await expect(writeFile(join(disk.dir, 'more'), Buffer.alloc(64 * 1024))).rejects.toMatchObject({ code: 'ENOSPC' });
      disk.empty();
      await writeFile(join(disk.dir, 'more'), Buffer.alloc(64 * 1024));
    } finally {
      disk.unmount();
    }
  });
});
