/**
 * A real, small filesystem for full-disk tests: a tmpfs of a few MB mounted on a fresh folder
 * (the tests run as root), filled with a real file until the kernel says ENOSPC. close()
 * unmounts it and removes the folder; call it in afterAll.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SmallFilesystem {
  /** The mount point. */
  readonly dir: string;
  /** Bytes free to an unprivileged writer now (statfs bavail). */
  freeBytes(): number;
  /** Writes to `<dir>/filler` until the filesystem is full, leaving `leaveBytes` free (default 0); returns the filler's size. */
  fill(leaveBytes?: number): number;
  /** Gives `bytes` of the filler back (all of it by default). */
  unfill(bytes?: number): void;
  close(): void;
}

export function canMountTmpfs(): boolean {
  return process.getuid?.() === 0;
}

export function mountSmallFilesystem(sizeBytes: number, prefix = 'mimamori-small-fs-'): SmallFilesystem {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700`, 'tmpfs', dir]);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a tmpfs on ${dir} (root needed): ${(err as Error).message}`, { cause: err });
  }
  const filler = path.join(dir, 'filler');
  const freeBytes = (): number => {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  };
  let mounted = true;
  return {
    dir,
    freeBytes,
    fill(leaveBytes = 0) {
      const fd = fs.openSync(filler, 'a');
      const chunk = Buffer.alloc(64 * 1024, 0x5a);
      try {
        for (;;) {
          const room = freeBytes() - leaveBytes;
          if (room <= 0) break;
          try {
            fs.writeSync(fd, chunk, 0, Math.min(chunk.length, room));
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
            throw err;
          }
        }
      } finally {
        fs.closeSync(fd);
      }
      return fs.statSync(filler).size;
    },
    unfill(bytes) {
      if (!fs.existsSync(filler)) return;
      const size = fs.statSync(filler).size;
      if (bytes === undefined || bytes >= size) fs.rmSync(filler);
      else fs.truncateSync(filler, size - bytes);
    },
    close() {
      if (!mounted) return;
      mounted = false;
      execFileSync('umount', ['-l', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
