/**
 * Opens `<dataDir>/mimamori.db`: private permissions, WAL, pragmas, migrations.
 *
 * Durability: WAL with synchronous=NORMAL keeps every committed transaction across a crash or kill
 * of the process; only a power cut or kernel crash can lose the last commits (never corrupt the
 * file). `synchronous: 'FULL'` closes that window at the cost of an fsync per commit.
 */
import fs from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { migrate, type MigrationResult } from './migrate.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export const DB_FILE_NAME = 'mimamori.db';
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

export interface DatabaseOptions {
  /** How long a write waits for another connection's lock before SQLITE_BUSY (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /**
   * The wait once opened, when it should differ from the wait for opening and migrating: the
   * agent waits briefly per write (it retries between turns of its event loop) but may wait the
   * full busyTimeoutMs for its migrations at start. Default: busyTimeoutMs.
   */
  readonly busyTimeoutAfterOpenMs?: number;
  /** NORMAL (default) or FULL; see the module comment. */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** For tests of the migration runner; production always uses MIGRATIONS. */
  readonly migrations?: readonly Migration[];
}

export interface OpenedDatabase {
  readonly db: Database;
  readonly file: string;
  readonly migration: MigrationResult;
}

/** Images of people live under dataDir (APPI): only the service user may read them. */
function ensurePrivateDir(dataDir: string): void {
  const created = fs.mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  if (created !== undefined) {
    // mkdir's mode is filtered by the umask; set it exactly on the directory we made.
    fs.chmodSync(dataDir, DIR_MODE);
  } else if (!fs.statSync(dataDir).isDirectory()) {
    throw new Error(`${dataDir}: data directory path exists and is not a directory`);
  }
}

function ensurePrivateFile(file: string): void {
  // Create it ourselves so it never exists, even briefly, with the umask's wider mode; SQLite
  // then gives the -wal and -shm files the same mode as the database file.
  fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_RDWR, FILE_MODE));
  fs.chmodSync(file, FILE_MODE);
}

export function openDatabase(dataDir: string, options: DatabaseOptions = {}): OpenedDatabase {
  const dir = path.resolve(dataDir);
  const file = path.join(dir, DB_FILE_NAME);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new RangeError(`busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}`);
  }
  try {
    ensurePrivateDir(dir);
    ensurePrivateFile(file);
  } catch (error) {
    throw new Error(`${file}: cannot prepare the database file: ${(error as Error).message}`, { cause: error });
  }

  let db: Database;
  try {
    db = new Sqlite(file, { fileMustExist: true, timeout: busyTimeoutMs });
  } catch (error) {
    throw new Error(`${file}: cannot open database: ${(error as Error).message}`, { cause: error });
  }
  try {
    applyPragmas(db, file, options.synchronous ?? 'NORMAL');
    // migrate() names the file in its own errors (SchemaVersionError keeps its class for callers).
    const migration = migrate(db, options.migrations ?? MIGRATIONS, file);
    const after = options.busyTimeoutAfterOpenMs;
    if (after !== undefined) {
      if (!Number.isSafeInteger(after) || after < 0) throw new RangeError(`busyTimeoutAfterOpenMs must be a non-negative integer, got ${after}`);
      db.pragma(`busy_timeout = ${after}`);
    }
    return { db, file, migration };
  } catch (error) {
    db.close();
    throw error;
  }
}

function applyPragmas(db: Database, file: string, synchronous: 'NORMAL' | 'FULL'): void {
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, WAL could not be enabled`);
    db.pragma(`synchronous = ${synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
  } catch (error) {
    throw new Error(`${file}: cannot configure database: ${(error as Error).message}`, { cause: error });
  }
}
