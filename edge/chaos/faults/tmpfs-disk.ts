/**
 * A small disk of its own for the agent's data directory: a tmpfs mounted for the run (root
 * only), filled by a real file until writes fail with ENOSPC, and emptied again.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class TmpfsDisk {
  private mounted = false;
  private readonly filler: string;

  constructor(readonly dir: string, readonly sizeMb: number) {
    this.filler = join(dir, 'chaos-filler.bin');
  }

  mount(): void {
    if (process.getuid?.() !== 0) throw new Error(`mounting a tmpfs at ${this.dir} needs root (the chaos suite's disk faults run as root, as .ci/run does)`);
    mkdirSync(this.dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${this.sizeMb}m,mode=0700`, 'tmpfs', this.dir]);
    this.mounted = true;
  }

  freeBytes(): number {
    const s = statfsSync(this.dir);
    return s.bavail * s.bsize;
  }

  /** Writes the filler file until the disk refuses (ENOSPC); returns the bytes written. */
  fill(): number {
    const fd = openSync(this.filler, 'a');
    const chunk = Buffer.alloc(1 << 20, 0x5a);
    let written = 0;
    try {
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
      // The last megabyte may not have fitted: fill the tail in small pieces.
      const small = Buffer.alloc(4096, 0x5a);
      for (;;) {
        try {
          written += writeSync(fd, small);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    } finally {
      closeSync(fd);
    }
    return written;
  }

  /** Deletes the filler: the room is back. */
  empty(): void {
    rmSync(this.filler, { force: true });
  }

  /** Unmounts (lazily, so a process still holding a file there cannot keep it mounted); idempotent. */
  unmount(): void {
    if (!this.mounted) return;
    execFileSync('umount', ['-l', this.dir]);
    this.mounted = false;
  }
}
