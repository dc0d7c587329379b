/**
 * The start-up reaper against real processes: a recorded ffmpeg that outlived its parent (started
 * here without setpriv, as where setpriv is missing) is stopped; a process that merely reuses a
 * recorded pid, a pid that is gone and a torn pid file are left alone and their files removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { argvDigest, childPidFile, forgetChild, reapLeftoverChildren, recordChild } from './leftover-children.js';
import { processStartTicks } from './process-identity.js';

let dir = '';
const children: ChildProcess[] = [];
const lines: Record<string, unknown>[] = [];
const log = createLogger('test', { write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leftover-children-'));
});

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  lines.length = 0;
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function start(command: string, args: string[]): ChildProcess & { pid: number } {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  if (child.pid === undefined) throw new Error(`${command} did not start`);
  return child as ChildProcess & { pid: number };
}

const alive = (pid: number): boolean => processStartTicks(pid) !== null;

describe('reapLeftoverChildren', () => {
  it('stops a recorded ffmpeg still running and removes its pid file', async () => {
    const runDir = join(dir, 'run-ffmpeg');
    const ffmpeg = start('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5', '-f', 'null', '-']);
    const file = childPidFile(runDir, 'recorder', 'cam1');
    recordChild(file, ffmpeg.pid, ffmpeg.spawnargs, { camera: 'cam1', role: 'recorder' });
    expect(existsSync(file)).toBe(true);

    const result = await reapLeftoverChildren(runDir, { log, graceMs: 1000 });
    expect(result).toEqual({ stopped: 1, stale: 0 });
    expect(alive(ffmpeg.pid)).toBe(false);
    expect(readdirSync(runDir)).toEqual([]);
    expect(lines.find((l) => l.msg === 'leftover ffmpeg of a previous run stopped')).toMatchObject({ camera: 'cam1', role: 'recorder', pid: ffmpeg.pid });
  });

  it('leaves alone a process that reuses a recorded pid, and clears gone or torn records', async () => {
    const runDir = join(dir, 'run-others');
    const bystander = start('sleep', ['30']);
    // The pid and start time are the bystander's, the command line is not what was recorded.
    recordChild(childPidFile(runDir, 'source', 'reused'), bystander.pid, ['/usr/bin/ffmpeg', '-i', 'rtsp://cam/1'], { camera: 'reused', role: 'source' });
    const gonePid = start('true', []);
    await new Promise((r) => gonePid.once('exit', r));
    writeFileSync(childPidFile(runDir, 'source', 'gone'), JSON.stringify({
      pid: gonePid.pid, startTicks: '1', argvSha256: argvDigest(gonePid.spawnargs), camera: 'gone', role: 'source', startedAt: '',
    }));
    writeFileSync(childPidFile(runDir, 'recorder', 'torn'), '{"pid": 12');

    const result = await reapLeftoverChildren(runDir, { log, graceMs: 500 });
    expect(result).toEqual({ stopped: 0, stale: 3 });
    expect(alive(bystander.pid)).toBe(true);
    expect(readdirSync(runDir)).toEqual([]);
    expect(lines.filter((l) => l.msg === 'leftover ffmpeg of a previous run stopped')).toEqual([]);
  });

  it('a pid file that cannot be read fails the reap, naming it, rather than passing for a torn one', async () => {
    const runDir = join(dir, 'run-unreadable');
    // A folder where a pid file should be: reading it fails with EISDIR, as a failing disk fails with EIO.
    const file = childPidFile(runDir, 'recorder', 'odd');
    mkdirSync(file, { recursive: true });
    await expect(reapLeftoverChildren(runDir, { log })).rejects.toThrow(`${file}: EISDIR`);
    expect(() => forgetChild(file, 4242)).toThrow(`${file}: EISDIR`);
    expect(existsSync(file)).toBe(true);
    // Gone or never written is no failure.
    expect(() => forgetChild(childPidFile(runDir, 'recorder', 'never'), 4242)).not.toThrow();
  });

  it('a run folder that does not exist yet has nothing to reap', async () => {
    expect(await reapLeftoverChildren(join(dir, 'never-made'), { log })).toEqual({ stopped: 0, stale: 0 });
  });
});
