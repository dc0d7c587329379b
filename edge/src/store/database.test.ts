import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE_NAME, openDatabase } from './database.js';
import { SchemaVersionError } from './errors.js';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.js';
import { openStore, type Store } from './store.js';

const dirs: string[] = [];
const open: { close(): void }[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mimamori-store-'));
  dirs.push(dir);
  return dir;
}
function track<T extends { close(): void }>(closable: T): T {
  open.push(closable);
  return closable;
}
afterEach(() => {
  for (const c of open.splice(0)) c.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const mode = (p: string): number => fs.statSync(p).mode & 0o777;

describe('openStore: files and pragmas', () => {
  it('creates the data directory 0700 and mimamori.db (and its WAL) 0600', () => {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    const previous = process.umask(0o022);
    let store: Store;
    try {
      store = track(openStore(dataDir));
    } finally {
      process.umask(previous);
    }
    expect(store.file).toBe(path.join(dataDir, DB_FILE_NAME));
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(store.file)).toBe(0o600);
    store.segments.add({ camera: 'atm-1', path: 'seg/a.ts', startMs: 1, container: 'mpegts' });
    expect(mode(`${store.file}-wal`)).toBe(0o600);
  });

  it('tightens an existing database file to 0600', () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, DB_FILE_NAME);
    fs.writeFileSync(file, '', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    track(openStore(dataDir));
    expect(mode(file)).toBe(0o600);
  });

  it('turns on WAL, synchronous=NORMAL, foreign keys and a busy timeout', () => {
    const { db } = openedDb(tempDir(), 1234);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
  });

  it('waits a different time once open when asked (the agent), the full time while opening', () => {
    const db = track(openDatabase(tempDir(), { busyTimeoutMs: 5000, busyTimeoutAfterOpenMs: 200 }).db);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(200);
    expect(() => openDatabase(tempDir(), { busyTimeoutAfterOpenMs: -1 })).toThrow('busyTimeoutAfterOpenMs must be a non-negative integer, got -1');
  });

  it('offers synchronous=FULL for sites that must not lose commits to a power cut', () => {
    const db = track(openDatabase(tempDir(), { synchronous: 'FULL' }).db);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('keeps WAL mode in the file for later connections', () => {
    const dataDir = tempDir();
    openStore(dataDir).close();
    const raw = track(new Sqlite(path.join(dataDir, DB_FILE_NAME), { readonly: true }));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('refuses a data directory path that is a file, naming it', () => {
    const file = path.join(tempDir(), 'not-a-dir');
    fs.writeFileSync(file, 'x');
    expect(() => openStore(file)).toThrow(/not-a-dir/);
  });
});

function openedDb(dataDir: string, busyTimeoutMs: number): { db: Sqlite.Database } {
  const opened = openDatabase(dataDir, { busyTimeoutMs });
  track(opened.db);
  return opened;
}

describe('migrations', () => {
  it('runs once and is idempotent on reopen', () => {
    const dataDir = tempDir();
    const first = openStore(dataDir);
    expect(first.migration).toEqual({ from: 0, to: SCHEMA_VERSION, applied: MIGRATIONS.map((m) => `${m.version} ${m.name}`) });
    first.events.start({
      camera: 'atm-1', zone: 'atm', behaviour: 'phone_at_atm', severity: 'high', trackId: 1, startedAt: 1000, phone: 'call',
    });
    first.close();

    const second = track(openStore(dataDir));
    expect(second.migration).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
    expect(second.events.list()).toHaveLength(1);
    const raw = track(new Sqlite(second.file, { readonly: true }));
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = raw.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['audit_log', 'camera_health', 'event_acks', 'events', 'holds', 'kiosk_tokens', 'outbox', 'segments', 'sessions', 'sqlite_sequence', 'users']);
  });

  it('refuses a database from a newer release, naming the file and both versions, and leaves it untouched', () => {
    const dataDir = tempDir();
    openStore(dataDir).close();
    const file = path.join(dataDir, DB_FILE_NAME);
    const raw = new Sqlite(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 41}`);
    raw.close();

    let caught: unknown;
    try {
      openStore(dataDir);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SchemaVersionError);
    const message = (caught as Error).message;
    expect(message).toContain(file);
    expect(message).toContain(`version ${SCHEMA_VERSION + 41}`);
    expect(message).toContain(`supports (${SCHEMA_VERSION})`);
    expect(caught).toMatchObject({ file, fileVersion: SCHEMA_VERSION + 41, supportedVersion: SCHEMA_VERSION });

    const after = track(new Sqlite(file, { readonly: true }));
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 41);
  });

  it('applies only the new migrations to an older database, in order', () => {
    const dataDir = tempDir();
    const ran: number[] = [];
    const m = (version: number, sql: string): Migration => ({
      version, name: `m${version}`, up: (db) => { ran.push(version); db.exec(sql); },
    });
    const v1 = [m(1, 'CREATE TABLE a (x INTEGER) STRICT')];
    openDatabase(dataDir, { migrations: v1 }).db.close();
    const v3 = [...v1, m(2, 'ALTER TABLE a ADD COLUMN y TEXT'), m(3, 'CREATE TABLE b (z INTEGER) STRICT')];
    const { db, migration } = openDatabase(dataDir, { migrations: v3 });
    track(db);
    expect(ran).toEqual([1, 2, 3]);
    expect(migration).toEqual({ from: 1, to: 3, applied: ['2 m2', '3 m3'] });
  });

  it('rolls a failing migration back whole and reports the file and migration', () => {
    const dataDir = tempDir();
    const migrations: Migration[] = [
      { version: 1, name: 'one', up: (db) => db.exec('CREATE TABLE a (x INTEGER)') },
      {
        version: 2,
        name: 'half-done',
        up: (db) => {
          db.exec('CREATE TABLE b (x INTEGER)');
          db.exec('THIS IS NOT SQL');
        },
      },
    ];
    expect(() => openDatabase(dataDir, { migrations })).toThrow(/mimamori\.db: migration 2 "half-done" failed/);
    const raw = track(new Sqlite(path.join(dataDir, DB_FILE_NAME), { readonly: true }));
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    const tables = raw.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(['a']);
  });

  it('refuses a migration list with gaps', () => {
    const migrations: Migration[] = [{ version: 2, name: 'two', up: () => undefined }];
    expect(() => openDatabase(tempDir(), { migrations })).toThrow(/entry 0 "two" has version 2, expected 1/);
  });
});
