/**
 * Which refusals of a write the agent survives, decided in one place: the disk is full
 * (SQLITE_FULL, ENOSPC, EDQUOT), the disk failed a write (SQLITE_IOERR_*: on a full tmpfs or ext4
 * the WAL index cannot grow and SQLite reports SQLITE_IOERR_SHMSIZE, not SQLITE_FULL), or another
 * connection holds the lock past busy_timeout (SQLITE_BUSY*, SQLITE_LOCKED*). Anything else (a
 * validation error, an unknown event) is a bug or bad input and is not classified.
 */

export type WriteFailureKind = 'no_space' | 'io' | 'busy';

const NO_SPACE_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);

/** The kind of write failure `err` is (looking through `cause` chains), or null. */
export function classifyWriteFailure(err: unknown): WriteFailureKind | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth += 1) {
    if (e instanceof StoreWriteError) return e.kind;
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (NO_SPACE_CODES.has(code)) return 'no_space';
    if (code.startsWith('SQLITE_IOERR')) return 'io';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  }
  return null;
}

/** A write the disk or the lock refused even after the reserve was spent on it; names the write. */
export class StoreWriteError extends Error {
  override readonly name = 'StoreWriteError';
  constructor(
    /** The write, e.g. `events.start(atmcam)` or `outbox.enqueue(mimamori/s1/clerk/alerts)`. */
    readonly operation: string,
    readonly kind: WriteFailureKind,
    cause: unknown,
  ) {
    super(`${operation}: ${describe(kind)}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

function describe(kind: WriteFailureKind): string {
  if (kind === 'no_space') return 'no space left on the data disk';
  if (kind === 'io') return 'the data disk refused the write';
  return 'the database is locked by another process';
}
