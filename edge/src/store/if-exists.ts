/**
 * "Not there" told apart from "could not look": only ENOENT means a file does not exist. EACCES,
 * EIO, EMFILE, EISDIR and the rest are failures the caller must hear of, never an empty answer,
 * or a failing disk reads as missing footage and a permissions slip as a 404.
 */

/** Whether `err` says the path does not exist. */
export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * Whether `err` is the system failing a call (it names the syscall: EACCES, EIO, EMFILE...) rather
 * than a file being absent or its content being wrong, for readers that treat bad content as
 * "not one of ours" but must not treat an unreadable disk the same way.
 */
export function isIoFailure(err: unknown): boolean {
  return typeof (err as NodeJS.ErrnoException | null)?.syscall === 'string' && !isNotFound(err);
}

/**
 * `operation(path)`, or null when the path does not exist; any other failure is thrown, naming
 * the path: `ifExists(file, (f) => readFile(f, 'utf8'))`.
 */
export async function ifExists<T>(path: string, operation: (path: string) => Promise<T>): Promise<T | null> {
  try {
    return await operation(path);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw withPath(path, err);
  }
}

/** ifExists for synchronous calls: `ifExistsSync(file, (f) => statSync(f))`. */
export function ifExistsSync<T>(path: string, operation: (path: string) => T): T | null {
  try {
    return operation(path);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw withPath(path, err);
  }
}

// Node names the path in the message of a failed open or lstat, not of a failed read on an open
// file ("EISDIR: illegal operation on a directory, read"): add it only where it is missing.
function withPath(path: string, err: unknown): unknown {
  if (!(err instanceof Error) || (err as NodeJS.ErrnoException).path === path) return err;
  return new Error(`${path}: ${err.message}`, { cause: err });
}
