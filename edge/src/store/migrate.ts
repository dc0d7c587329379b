/**
 * Runs pending migrations, each in its own IMMEDIATE transaction together with the bump of
 * PRAGMA user_version, so a crash mid-migration leaves the previous version intact and two
 * processes opening the same file at once migrate it only once.
 */
import type { Database } from 'better-sqlite3';
import { SchemaVersionError } from './errors.js';
import type { Migration } from './migrations.js';

export function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export interface MigrationResult {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly string[];
}

export function migrate(db: Database, migrations: readonly Migration[], file: string): MigrationResult {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration list out of order: entry ${i} "${m.name}" has version ${m.version}, expected ${i + 1}`);
    }
  });
  const latest = migrations.length;
  const from = userVersion(db);
  if (from > latest) throw new SchemaVersionError(file, from, latest);

  const applied: string[] = [];
  for (const migration of migrations.slice(from)) {
    const step = db.transaction(() => {
      // Re-read under the write lock: another process may have migrated since we looked.
      const current = userVersion(db);
      if (current >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
      applied.push(`${migration.version} ${migration.name}`);
    });
    try {
      step.immediate();
    } catch (error) {
      throw new Error(`${file}: migration ${migration.version} "${migration.name}" failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return { from, to: userVersion(db), applied };
}
