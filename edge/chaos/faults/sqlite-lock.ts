/**
 * Another process holding mimamori.db's write lock (a backup tool, `sqlite3` left in a
 * transaction, a second agent by mistake): a child node process opens the database, takes an
 * EXCLUSIVE transaction and keeps it for `holdMs` before rolling back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

const HOLDER = `
const Sqlite = require('better-sqlite3');
const db = new Sqlite(process.argv[1]);
db.exec('BEGIN EXCLUSIVE');
process.stdout.write('locked\\n');
setTimeout(() => { db.exec('ROLLBACK'); db.close(); process.stdout.write('released\\n'); }, Number(process.argv[2]));
`;

export interface SqliteLock {
  /** Resolves when the lock has been released and the holder has exited. */
  readonly released: Promise<void>;
  /** Kills the holder at once (cleanup); idempotent. */
  stop(): void;
}

/** Resolves once the lock is held; rejects naming the database if it cannot be taken in 10 s. */
export function holdWriteLock(dataDir: string, holdMs: number): Promise<SqliteLock> {
  const file = join(dataDir, 'mimamori.db');
  const child: ChildProcess = spawn(process.execPath, ['-e', HOLDER, file, String(holdMs)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const released = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`could not take the write lock of ${file} within 10 s: ${stderr}`));
    }, 10_000);
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) {
        clearTimeout(timer);
        resolve({ released, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lock holder on ${file} exited with ${code}: ${stderr}`));
    });
  });
}
