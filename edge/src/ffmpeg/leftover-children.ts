/**
 * Pid files for the ffmpeg children (`<dataDir>/run/<role>-<camera>.json`) and the reaper the
 * agent runs at start, before the recordings sweep and before any camera starts: a child left
 * running by an agent that was killed (where setpriv --pdeathsig is missing, or in the instant
 * before it took effect) would otherwise go on writing segments next to the new recorder's.
 *
 * A pid alone is not proof: after a reboot or a long outage the number may belong to anything.
 * A leftover is stopped only when the process's start time (/proc/<pid>/stat) and its exact
 * command line (/proc/<pid>/cmdline, kept as a SHA-256 so camera credentials are not written
 * down) are both still those recorded; any other process is left alone and its file removed.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { ifExists, ifExistsSync } from '../store/if-exists.js';
import { processStartTicks, readProcFile } from './process-identity.js';

export interface ChildRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot at which the process started. */
  startTicks: string;
  /** SHA-256 of the NUL-joined argv, as /proc/<pid>/cmdline shows it once ffmpeg runs. */
  argvSha256: string;
  camera: string;
  role: string;
  startedAt: string;
}

export interface ReapResult {
  /** Leftover children of ours that were stopped. */
  stopped: number;
  /** Pid files whose process was gone or was no longer ours. */
  stale: number;
}

/** The pid file of one camera's decoder or recorder. */
export function childPidFile(runDir: string, role: string, camera: string): string {
  return join(runDir, `${role}-${camera}.json`);
}

export function argvDigest(argv: readonly string[]): string {
  return createHash('sha256').update(argv.map((a) => `${a}\0`).join('')).digest('hex');
}

/**
 * Written when ffmpeg has been spawned, synchronously so no later kill of the agent can come
 * between the spawn and the record. `argv` is ffmpeg's own (binary first), without any wrapper.
 */
export function recordChild(file: string, pid: number, argv: readonly string[], who: { camera: string; role: string }): void {
  const startTicks = processStartTicks(pid);
  if (startTicks === null) return; // already gone: nothing that could be left over
  const record: ChildRecord = { pid, startTicks, argvSha256: argvDigest(argv), camera: who.camera, role: who.role, startedAt: new Date().toISOString() };
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

/**
 * Removes the pid file once its child has exited, unless a newer child already took the name.
 * Throws when the file cannot be read or removed; one never written (the child exited at once),
 * already removed or torn is no failure.
 */
export function forgetChild(file: string, pid: number): void {
  const text = ifExistsSync(file, (f) => readFileSync(f, 'utf8'));
  if (text === null) return;
  const record = parseRecord(text);
  if (record?.pid === pid) ifExistsSync(file, (f) => unlinkSync(f));
}

/** Whether `pid` is still the very process the record describes. */
export function isRecordedChild(record: ChildRecord): boolean {
  if (processStartTicks(record.pid) !== record.startTicks) return false;
  const cmdline = readProcFile(record.pid, 'cmdline');
  return cmdline !== undefined && createHash('sha256').update(cmdline).digest('hex') === record.argvSha256;
}

export interface ReapOptions {
  log: Logger;
  /** How long a leftover gets after SIGTERM before SIGKILL; default 2000. */
  graceMs?: number;
}

/** Stops every leftover child recorded in `runDir`; resolves once they have all exited. */
export async function reapLeftoverChildren(runDir: string, options: ReapOptions): Promise<ReapResult> {
  const graceMs = options.graceMs ?? 2000;
  let names: string[];
  try {
    names = (await readdir(runDir)).filter((n) => n.endsWith('.json'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { stopped: 0, stale: 0 };
    throw new Error(`${runDir}: cannot list pid files: ${(err as Error).message}`, { cause: err });
  }
  const result = { stopped: 0, stale: 0 };
  await Promise.all(names.map(async (name) => {
    const file = join(runDir, name);
    const record = await readRecord(file);
    if (record && isRecordedChild(record)) {
      const how = await stopProcess(record, graceMs);
      result.stopped += 1;
      options.log.warn('leftover ffmpeg of a previous run stopped', { camera: record.camera, role: record.role, pid: record.pid, startedAt: record.startedAt, signal: how, file });
    } else {
      result.stale += 1;
    }
    await ifExists(file, (f) => unlink(f));
  }));
  return result;
}

/** The record in a pid file; null when it was removed since the listing or names no process we can trust. */
async function readRecord(file: string): Promise<ChildRecord | null> {
  const text = await ifExists(file, (f) => readFile(f, 'utf8'));
  return text === null ? null : parseRecord(text);
}

function parseRecord(text: string): ChildRecord | null {
  let r: Partial<ChildRecord> | null;
  try {
    r = JSON.parse(text) as Partial<ChildRecord> | null;
  } catch {
    return null; // torn by a power cut mid-write
  }
  if (typeof r?.pid !== 'number' || !Number.isInteger(r.pid) || r.pid <= 1 || typeof r.startTicks !== 'string' || typeof r.argvSha256 !== 'string') return null;
  return { pid: r.pid, startTicks: r.startTicks, argvSha256: r.argvSha256, camera: String(r.camera), role: String(r.role), startedAt: String(r.startedAt) };
}

/** SIGTERM (ffmpeg closes its segment), then SIGKILL; checks identity again before each signal. */
async function stopProcess(record: ChildRecord, graceMs: number): Promise<'SIGTERM' | 'SIGKILL'> {
  signal(record.pid, 'SIGTERM');
  if (await exited(record, graceMs)) return 'SIGTERM';
  if (isRecordedChild(record)) signal(record.pid, 'SIGKILL');
  await exited(record, graceMs);
  return 'SIGKILL';
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    // ESRCH: it exited meanwhile. EPERM would leave our leftover writing: the start must hear of it.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw new Error(`leftover ffmpeg ${pid}: cannot send ${sig}: ${(err as Error).message}`, { cause: err });
  }
}

async function exited(record: ChildRecord, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (processStartTicks(record.pid) !== record.startTicks) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return processStartTicks(record.pid) !== record.startTicks;
}
