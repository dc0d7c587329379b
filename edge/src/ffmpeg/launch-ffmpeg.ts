/**
 * Starts a prepared fluent-ffmpeg command and turns its events into a SupervisedRun: the child
 * process, its stdout, and one promise for "exited and fully read" carrying ffmpeg's last error.
 * The child is started so it dies with the agent and creates private files (child-lifetime.ts),
 * and, given a pid file, is recorded there while it runs for the next start's reaper.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { FfmpegCommand } from 'fluent-ffmpeg';
import { createLogger, type Logger } from '../log/logger.js';
import { childLifetime, wrapFfmpegSpawn } from './child-lifetime.js';
import { forgetChild, recordChild } from './leftover-children.js';
import type { RunExit, SupervisedRun } from './supervised-ffmpeg.js';

export interface LaunchedFfmpeg extends SupervisedRun {
  stdout: Readable;
}

export interface FfmpegChild {
  /** The ffmpeg binary the command runs. */
  ffmpegPath: string;
  camera: string;
  role: 'source' | 'recorder';
  /** Where the running child is recorded (leftover-children.ts); none: not recorded. */
  pidFile?: string;
  /** Where a pid file that cannot be removed is reported; default the `ffmpeg` logger. */
  log?: Logger;
}

const STDERR_LINES = 4;

/**
 * `output: 'pipe'` reads ffmpeg's stdout as the media output; `'file'` leaves stdout to side
 * channels (segment list, progress). Either way stdout is read continuously so ffmpeg never blocks.
 */
export async function launchFfmpeg(command: FfmpegCommand, output: 'pipe' | 'file', child: FfmpegChild): Promise<LaunchedFfmpeg> {
  const lifetime = await childLifetime();
  wrapFfmpegSpawn(command, child.ffmpegPath, lifetime.prefix);
  const stderrTail: string[] = [];
  command.on('stderr', (line: string) => {
    if (line.trim() === '') return;
    stderrTail.push(line.trim());
    if (stderrTail.length > STDERR_LINES) stderrTail.shift();
  });
  return new Promise((resolve, reject) => {
    let started = false;
    let settleExit: (exit: RunExit) => void = () => undefined;
    const exited = new Promise<RunExit>((r) => {
      settleExit = r;
    });
    command.on('end', () => settleExit({ clean: true, message: null }));
    command.on('error', (err: Error) => {
      // fluent-ffmpeg's message is "ffmpeg exited with code N: <all of stderr>"; keep the head and
      // ffmpeg's last error line, which names the cause (Connection refused, Invalid data…).
      const head = err.message.split(': ')[0] ?? err.message;
      const last = stderrTail[stderrTail.length - 1];
      const message = last && !head.includes(last) ? `${head}: ${last}` : head;
      if (!started) reject(new Error(message));
      settleExit({ clean: false, message });
    });
    let piped: Readable | null = null;
    command.on('start', () => {
      started = true;
      const proc = (command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      const stdout = piped ?? proc?.stdout;
      if (!proc || !stdout) {
        reject(new Error('fluent-ffmpeg started without a child process'));
        return;
      }
      const drained = new Promise<void>((r) => {
        stdout.once('end', r);
        stdout.once('close', r);
        stdout.once('error', () => r());
      });
      const { pidFile } = child;
      if (pidFile && proc.pid !== undefined) {
        const pid = proc.pid;
        proc.once('exit', () => {
          try {
            forgetChild(pidFile, pid);
          } catch (err) {
            // Thrown from an exit handler it would end the agent; the next start's reaper checks the file anyway.
            (child.log ?? createLogger('ffmpeg')).error('pid file of an exited ffmpeg not removed', { camera: child.camera, role: child.role, file: pidFile, err });
          }
        });
        try {
          // spawnargs is [wrapper…, ffmpeg, args…]: what /proc shows once the wrappers exec'd ffmpeg.
          recordChild(pidFile, pid, proc.spawnargs.slice(lifetime.prefix.length), child);
        } catch (err) {
          // An unrecorded child could outlive a crash unseen: better no run than that.
          proc.kill('SIGKILL');
          reject(new Error(`camera ${child.camera} ${child.role}: cannot write pid file ${pidFile}: ${(err as Error).message}`, { cause: err }));
          return;
        }
      }
      resolve({ proc, stdout, done: Promise.all([exited, drained]).then(([exit]) => exit) });
    });
    if (output === 'pipe') piped = command.pipe() as Readable;
    else command.run();
  });
}
