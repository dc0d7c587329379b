/**
 * Which process a pid is: its number plus its start time (field 22 of /proc/<pid>/stat, clock
 * ticks after boot). The pair names one process for the life of the machine, where a pid alone is
 * reused; files that outlive their writer (pid files, export staging) carry both.
 */
import { readFileSync } from 'node:fs';

/** Start time of a live process, or null when there is none with that pid (or only its zombie). */
export function processStartTicks(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
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
