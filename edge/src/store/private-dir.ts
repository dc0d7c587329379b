/**
 * A folder under the data directory that holds secrets (the device's signing key, the broker's
 * logins): created 0700, refused when it is a symlink or not a folder, tightened when it was
 * loosened. Throws a plain Error; callers name what the folder is for.
 */
import fs from 'node:fs';

const PRIVATE_DIR_MODE = 0o700;

export function preparePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const stat = fs.lstatSync(dir);
  // A symlink here could put the secrets anywhere; the folder must be a real one.
  if (!stat.isDirectory()) throw new Error('exists and is not a directory');
  // mkdir's mode is filtered by the umask, and an older folder may have been loosened by hand.
  if ((stat.mode & 0o777) !== PRIVATE_DIR_MODE) fs.chmodSync(dir, PRIVATE_DIR_MODE);
}
