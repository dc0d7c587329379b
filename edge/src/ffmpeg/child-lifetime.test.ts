/**
 * Plain spawns of ffmpeg (evidence joins, clips) under the lifetime rules: a real parent killed
 * with SIGKILL takes its ffmpeg with it, and what that ffmpeg wrote is private (0600).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../test/wait-until.js';
import { childLifetime } from './child-lifetime.js';
import { processStartTicks } from './process-identity.js';

const PARENT = fileURLToPath(new URL('../../test/ffmpeg-parent.ts', import.meta.url));
let dir = '';
let parent: ChildProcessWithoutNullStreams | null = null;
let ffmpegPid = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'child-lifetime-'));
});

afterAll(async () => {
  if (parent && parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
  if (ffmpegPid && processStartTicks(ffmpegPid) !== null) process.kill(ffmpegPid, 'SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('child lifetime', () => {
  it('on this machine (Debian, util-linux) children get the parent-death signal and a private umask', async () => {
    expect(await childLifetime()).toMatchObject({ parentDeathSignal: true, privateFiles: true });
  });

  it('an ffmpeg spawned through lifetimeSpawnArgs dies with its parent killed by SIGKILL', async () => {
    const out = join(dir, 'out.ts');
    parent = spawn(process.execPath, ['--import', 'tsx', PARENT, out], { stdio: ['pipe', 'pipe', 'pipe'] });
    let printed = '';
    parent.stdout.on('data', (b: Buffer) => (printed += b.toString()));
    await waitUntil('the ffmpeg pid', () => printed.includes('\n'), 30_000);
    ffmpegPid = Number(printed.trim());
    await waitUntil('ffmpeg to create its output', () => existsSync(out), 10_000);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(processStartTicks(ffmpegPid)).not.toBeNull();

    parent.kill('SIGKILL');
    await waitUntil('ffmpeg gone with its parent', () => processStartTicks(ffmpegPid) === null, 5000);
  });
});
