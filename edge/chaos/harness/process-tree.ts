/**
 * The agent's child processes as Linux sees them (/proc), so ffmpeg can be killed from outside
 * like an OOM killer or a crash would, and orphans left by a killed agent can be found.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface ProcInfo { pid: number; ppid: number; comm: string; cmdline: string }

function procs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // comm is in parentheses and may itself contain spaces or parentheses: split after the last ')'.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      if (fields[0] === 'Z') continue; // a zombie is already dead, only not yet reaped
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push({ pid: Number(name), ppid: Number(fields[1]), comm, cmdline });
    } catch {
      // The process exited between readdir and read: it is not there any more, which is fine.
    }
  }
  return out;
}

/** Every descendant of `pid`. */
export function descendants(pid: number): ProcInfo[] {
  const all = procs();
  const found: ProcInfo[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const p of all) {
      if (p.ppid === parent) {
        found.push(p);
        queue.push(p.pid);
      }
    }
  }
  return found;
}

/** The ffmpeg processes the agent `pid` runs (decoder, recorder, probes). */
export function ffmpegChildren(pid: number): ProcInfo[] {
  return descendants(pid).filter((p) => p.comm === 'ffmpeg');
}

/** The inference processes the agent `pid` runs (node children on inference-process). */
export function inferenceChildren(pid: number): ProcInfo[] {
  return descendants(pid).filter((p) => p.comm === 'node' && p.cmdline.includes('inference-process'));
}

/** Running processes whose command line mentions `text` (e.g. a site's temp folder). */
export function processesMentioning(text: string, comm?: string): ProcInfo[] {
  return procs().filter((p) => p.pid !== process.pid && p.cmdline.includes(text) && (comm === undefined || p.comm === comm));
}

/** SIGKILL each pid that still runs. */
export function killAll(pids: readonly number[], signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}
