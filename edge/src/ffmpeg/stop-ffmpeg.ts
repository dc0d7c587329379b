/**
 * Ends an ffmpeg child the way that keeps its output valid: `q` on stdin lets ffmpeg finish the
 * file it is writing (trailer, last segment), then SIGTERM, then SIGKILL for a hung process.
 */
import type { ChildProcess } from 'node:child_process';

export interface StopOptions {
  /** Wait after `q` before SIGTERM, and after SIGTERM before SIGKILL. */
  graceMs?: number;
}

export function hasExited(proc: ChildProcess): boolean {
  return proc.exitCode !== null || proc.signalCode !== null;
}

/** Resolves when the process has exited (at once if it already has). */
export function stopFfmpeg(proc: ChildProcess, options: StopOptions = {}): Promise<void> {
  const graceMs = options.graceMs ?? 2000;
  if (hasExited(proc)) return Promise.resolve();
  return new Promise((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    proc.once('exit', () => {
      timers.forEach(clearTimeout);
      resolve();
    });
    const stdin = proc.stdin;
    if (stdin && stdin.writable) {
      // ffmpeg may exit before reading `q` (EPIPE); the signals below still end it.
      stdin.once('error', () => proc.kill('SIGTERM'));
      stdin.write('q');
      stdin.end();
    } else {
      proc.kill('SIGTERM');
    }
    timers.push(setTimeout(() => proc.kill('SIGTERM'), graceMs));
    timers.push(setTimeout(() => proc.kill('SIGKILL'), 2 * graceMs));
  });
}
