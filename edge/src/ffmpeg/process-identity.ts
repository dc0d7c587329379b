/**
 * Which process a pid is: its number plus its start time (field 22 of /proc/<pid>/stat, clock
 * ticks after boot). The pair names one process for the life of the machine, where a pid alone is
 * reused; files that outlive their writer (pid files, export staging) carry both.
 */
import { readFileSync } from 'node:fs';

/** Start time of a live process, or null when there is none with that pid (or only its zombie). */
export function processStartTicks(pid: number): string | null {
  const stat = readProcFile(pid, 'stat')?.toString('utf8');
  if (stat === undefined) return null;
  // The command name (field 2) is in parentheses and may hold spaces or ')': count from the last one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null; // exited, not yet reaped by its parent
  return fields[19] ?? null;
}

/** This process, as `<pid>-<start ticks>`. */
export function ownProcessTag(): string {
  return `${process.pid}-${processStartTicks(process.pid) ?? '0'}`;
}

/** Whether a tag made by ownProcessTag() names a process that is still running. */
export function isLiveProcessTag(tag: string): boolean {
  const m = /^(\d+)-(\d+)$/.exec(tag);
  return m !== null && processStartTicks(Number(m[1])) === m[2];
}

/**
 * `/proc/<pid>/<name>`, or undefined when there is no such process: ENOENT, or ESRCH for one that
 * exits while it is read. Anything else (a /proc mounted with hidepid, EACCES) is thrown: taken
 * for "gone", it would have the reaper leave a live leftover ffmpeg writing beside the new one.
 */
export function readProcFile(pid: number, name: 'stat' | 'cmdline'): Buffer | undefined {
  const file = `/proc/${pid}/${name}`;
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return undefined;
    throw new Error(`${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
}
