/**
 * A real parent process owning a camera's decoder and recorder, killed with SIGKILL: its ffmpeg
 * children must die with it (setpriv --pdeathsig), a restart must leave exactly one recorder
 * writing, and what ffmpeg writes is private (0600) from the first byte, orphaned or not.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireOpencvData } from '../../test/fixtures.js';
import { cutH264Clip } from '../../test/video-clips.js';
import { waitUntil } from '../../test/wait-until.js';
import { processStartTicks } from '../ffmpeg/process-identity.js';

const PARENT = fileURLToPath(new URL('../../test/recorder-parent.ts', import.meta.url));
let dir = '';
let clip = '';
const parents: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'recorder-lifetime-'));
  clip = await cutH264Clip(dir, 3);
});

afterEach(async () => {
  for (const p of parents.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  // Whatever a failed assertion left running under this test's folder.
  for (const pid of ffmpegWritingUnder(dir)) process.kill(pid, 'SIGKILL');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** pids of live processes whose command line mentions `folder`, ffmpeg only. */
function ffmpegWritingUnder(folder: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited while listing
    }
    if (/ffmpeg$/.test(argv[0] ?? '') && argv.some((a) => a.includes(folder)) && processStartTicks(Number(entry)) !== null) pids.push(Number(entry));
  }
  return pids;
}

async function startParent(dataDir: string): Promise<{ proc: ChildProcessWithoutNullStreams; source: number; recorder: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', PARENT, dataDir, clip], { stdio: ['pipe', 'pipe', 'pipe'] });
  parents.push(proc);
  let out = '';
  let err = '';
  proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
  await waitUntil(`the parent's ffmpeg children (stderr: ${err})`, () => out.includes('\n') || proc.exitCode !== null, 30_000);
  expect(proc.exitCode, err).toBeNull();
  return { proc, ...(JSON.parse(out.split('\n')[0] as string) as { source: number; recorder: number }) };
}

const gone = (pid: number): boolean => processStartTicks(pid) === null;

describe('ffmpeg children of a killed parent', () => {
  it('die with it; the restart has one recorder writing; segments are 0600 from the first byte', async () => {
    const dataDir = join(dir, 'data');
    const first = await startParent(dataDir);
    expect(gone(first.source) || gone(first.recorder)).toBe(false);
    const recordings = join(dataDir, 'recordings', 'life1');
    const segmentFiles = (): string[] => readdirSync(recordings, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    await waitUntil('the first segment file', () => segmentFiles().length === 1, 10_000);
    // Still being written, never reported: only the child's umask can have made it private.
    expect(statSync(join(recordings, segmentFiles()[0] as string)).mode & 0o777).toBe(0o600);

    first.proc.kill('SIGKILL');
    await waitUntil('both ffmpeg children gone after kill -9 of their parent', () => gone(first.source) && gone(first.recorder), 5000);

    const second = await startParent(dataDir);
    // Segments are named to the second: wait until the new recorder has begun its own file.
    await waitUntil('the restarted recorder writing', () => segmentFiles().length === 2, 10_000);
    expect(ffmpegWritingUnder(join(dataDir, 'recordings'))).toEqual([second.recorder]);
    for (const f of segmentFiles()) expect(statSync(join(recordings, f)).mode & 0o777).toBe(0o600);

    second.proc.kill('SIGTERM');
    await new Promise((r) => second.proc.once('exit', r));
    expect(second.proc.exitCode).toBe(0);
    await waitUntil('no ffmpeg left after a clean close', () => gone(second.source) && gone(second.recorder), 5000);
    // The pid files went with their children.
    expect(readdirSync(join(dataDir, 'run'))).toEqual([]);
  });
});
