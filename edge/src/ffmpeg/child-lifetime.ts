/**
 * How every ffmpeg child is started so it cannot outlive the agent or leak footage:
 *
 * - `setpriv --pdeathsig KILL` (util-linux) asks the kernel to SIGKILL the child when the agent
 *   dies, even by `kill -9`, where no exit handler of ours runs. Node cannot set that itself.
 * - `sh -c 'umask 077 …'` makes the files ffmpeg creates (segments) 0600 from their first byte:
 *   Node can only set the umask of its whole process, and footage is personal data.
 *
 * Both exec into ffmpeg, so the child's pid is ffmpeg's. Where setpriv is missing (or too old for
 * --pdeathsig) children are only stopped by the reaper at the next start (leftover-children.ts);
 * `childLifetime()` says which, for the agent's start-up log.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { FfmpegCommand } from 'fluent-ffmpeg';

const SH = '/bin/sh';
/** `$0` is ffmpeg, `$@` its arguments: exec keeps the pid and argv exactly as ffmpeg's own. */
const PRIVATE_FILES = ['-c', 'umask 077 && exec "$0" "$@"'];

export interface ChildLifetime {
  /** The kernel kills the child when the agent dies. */
  parentDeathSignal: boolean;
  /** Files the child creates are private (umask 077). */
  privateFiles: boolean;
  /** What goes before the ffmpeg binary on the command line. */
  prefix: readonly string[];
}

let found: Promise<ChildLifetime> | null = null;

/** Probed once per process: whether setpriv --pdeathsig really works here, not just exists. */
export function childLifetime(): Promise<ChildLifetime> {
  found ??= probe();
  return found;
}

async function probe(): Promise<ChildLifetime> {
  if (!executable(SH)) return { parentDeathSignal: false, privateFiles: false, prefix: [] };
  const shell = [SH, ...PRIVATE_FILES];
  for (const setpriv of ['/usr/bin/setpriv', '/bin/setpriv']) {
    if (!executable(setpriv)) continue;
    const prefix = [setpriv, '--pdeathsig', 'KILL', '--', ...shell];
    if (await runs(prefix, 'true')) return { parentDeathSignal: true, privateFiles: true, prefix };
  }
  return { parentDeathSignal: false, privateFiles: true, prefix: shell };
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false; // not installed here: the next fallback applies
  }
}

function runs(prefix: readonly string[], command: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(prefix[0] as string, [...prefix.slice(1), command], { timeout: 5000 }, (err) => resolve(err === null));
  });
}

/** Command and arguments for a plain `spawn` of ffmpeg (joins, clips) under the same rules. */
export async function lifetimeSpawnArgs(bin: string, args: readonly string[]): Promise<[string, string[]]> {
  const { prefix } = await childLifetime();
  return prefix.length === 0 ? [bin, [...args]] : [prefix[0] as string, [...prefix.slice(1), bin, ...args]];
}

interface FluentInternals {
  _getFfmpegPath(callback: (err: Error | null, path?: string) => void): void;
  _spawnFfmpeg(args: string[], ...rest: unknown[]): void;
}

/**
 * Makes fluent-ffmpeg spawn `prefix… ffmpegPath args…` for this command only. fluent-ffmpeg keeps
 * the binary path in one global cache and has no per-command wrapper option, so the two internal
 * methods that find and spawn the binary are replaced on this instance (fluent-ffmpeg 2.x).
 */
export function wrapFfmpegSpawn(command: FfmpegCommand, ffmpegPath: string, prefix: readonly string[]): void {
  if (prefix.length === 0) return;
  const internals = command as unknown as Partial<FluentInternals>;
  if (typeof internals._spawnFfmpeg !== 'function' || typeof internals._getFfmpegPath !== 'function') {
    throw new Error('fluent-ffmpeg internals changed: cannot wrap the ffmpeg child (see child-lifetime.ts)');
  }
  const spawnFfmpeg = internals._spawnFfmpeg.bind(command);
  internals._getFfmpegPath = (callback) => callback(null, prefix[0]);
  internals._spawnFfmpeg = (args, ...rest) => spawnFfmpeg([...prefix.slice(1), ffmpegPath, ...args], ...rest);
}
