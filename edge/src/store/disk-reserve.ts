/**
 * A file of real bytes under the data directory (`<dataDir>/.reserve`) that holds back room on
 * the data disk for the writes that must not fail: when SQLite cannot commit an event, an ack or
 * an outbox message for lack of space, part of the file is given back (truncated) and the commit
 * tried again. Only part at a time, so the rest still covers later alerts and the next start
 * (opening a WAL database creates its -shm file). restore() writes it back once there is room.
 *
 * The bytes are random, not zeros and not a sparse hole: a hole reserves nothing, and a
 * compressing filesystem (btrfs, zfs) would store zeros in next to no space.
 */
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log/logger.js';
import { ifExistsSync } from './if-exists.js';

export const RESERVE_FILE_NAME = '.reserve';
const CHUNK = 64 * 1024;

export class DiskReserve {
  readonly file: string;
  readonly #targetBytes: number;
  #bytes: number;

  constructor(dataDir: string, targetBytes: number) {
    if (!Number.isSafeInteger(targetBytes) || targetBytes < 0) {
      throw new RangeError(`disk reserve: size must be a non-negative integer of bytes, got ${targetBytes}`);
    }
    this.file = path.join(path.resolve(dataDir), RESERVE_FILE_NAME);
    this.#targetBytes = targetBytes;
    this.#bytes = sizeOf(this.file);
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  get targetBytes(): number {
    return this.#targetBytes;
  }

  /** Bytes given back and not yet restored. */
  get missingBytes(): number {
    return Math.max(0, this.#targetBytes - this.#bytes);
  }

  /** Whether the whole reserve is held (false while some of it is being lived on). */
  get complete(): boolean {
    return this.#bytes >= this.#targetBytes;
  }

  /** Gives back up to `bytes` (the file is truncated); returns how many were freed. */
  release(bytes: number): number {
    const freed = Math.min(this.#bytes, Math.max(0, Math.ceil(bytes)));
    if (freed === 0) return 0;
    const keep = this.#bytes - freed;
    if (keep === 0) fs.rmSync(this.file, { force: true });
    else fs.truncateSync(this.file, keep);
    this.#bytes = keep;
    return freed;
  }

  /**
   * Writes the missing part back when the disk would still have `minFreeBytes` free afterwards;
   * returns the bytes added. A disk that fills meanwhile (ENOSPC) gets the partial write back.
   */
  restore(minFreeBytes: number): number {
    const missing = this.missingBytes;
    if (missing === 0) return 0;
    const s = fs.statfsSync(path.dirname(this.file));
    if (s.bavail * s.bsize - missing < minFreeBytes) return 0;
    const before = this.#bytes;
    const chunk = Buffer.allocUnsafe(CHUNK);
    const fd = fs.openSync(this.file, fs.constants.O_CREAT | fs.constants.O_WRONLY, 0o600);
    try {
      let at = before;
      while (at < this.#targetBytes) {
        const n = Math.min(CHUNK, this.#targetBytes - at);
        randomFillSync(chunk, 0, n);
        fs.writeSync(fd, chunk, 0, n, at);
        at += n;
      }
      fs.fsyncSync(fd);
      this.#bytes = at;
    } catch (err) {
      fs.ftruncateSync(fd, before);
      throw new Error(`${this.file}: disk reserve not restored: ${(err as Error).message}`, { cause: err });
    } finally {
      fs.closeSync(fd);
    }
    return this.#bytes - before;
  }
}

/** A missing file holds nothing; one that cannot be looked at must not pass for an empty reserve. */
function sizeOf(file: string): number {
  let stat: fs.Stats | null;
  try {
    stat = ifExistsSync(file, (f) => fs.statSync(f));
  } catch (err) {
    throw new Error(`disk reserve ${file}: cannot read its size: ${(err as Error).message}`, { cause: err });
  }
  if (stat && !stat.isFile()) throw new Error(`disk reserve ${file}: exists and is not a regular file`);
  return stat?.size ?? 0;
}

/** restore() for a caller that goes on either way: logs what happened, never throws. */
export function restoreReserve(reserve: DiskReserve, minFreeBytes: number, log: Logger): void {
  if (reserve.complete) return;
  try {
    const added = reserve.restore(minFreeBytes);
    if (added > 0) log.info('disk reserve restored', { file: reserve.file, bytes: reserve.bytes });
  } catch (err) {
    log.warn('disk reserve not restored', { file: reserve.file, err });
  }
}
