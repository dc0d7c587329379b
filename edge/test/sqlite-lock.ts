/**
 * Another process holding the database's write lock, as an operator's `sqlite3` session would:
 * the real sqlite3 shell runs BEGIN IMMEDIATE, sleeps `ms`, then commits. Resolves once the lock is
 * held; `released` resolves when the shell has committed and exited.
 */
import { spawn } from 'node:child_process';

export interface HeldLock {
  readonly released: Promise<void>;
}

export async function holdWriteLock(dbFile: string, ms: number): Promise<HeldLock> {
  const shell = spawn('sqlite3', [dbFile], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  shell.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const released = new Promise<void>((resolve, reject) => {
    shell.on('error', reject);
    shell.on('exit', (code) => (code === 0 && out.includes('released') ? resolve() : reject(new Error(`sqlite3 ${dbFile} exited ${code}: ${err}`))));
  });
  const locked = new Promise<void>((resolve, reject) => {
    shell.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked')) resolve();
    });
    released.catch(reject);
  });
  shell.stdin.end(`BEGIN IMMEDIATE;\n.print locked\n.shell sleep ${ms / 1000}\nCOMMIT;\n.print released\n`);
  await locked;
  return { released };
}
