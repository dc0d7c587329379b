/**
 * Legal holds: a police request that footage and events of a time range (some cameras, or all) be
 * kept until released. A hold is never deleted, only released, so what was protected, for whom and
 * why stays answerable. Creating or releasing one appends its audit entry in the same SQLite
 * transaction: a hold without its audit entry cannot exist, and neither can the entry without it.
 */
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { actor, type AuditRepository } from './audit-repository.js';
import type { UuidV7Generator } from './ids.js';
import { epochMs, failValidation, validate } from './validation.js';

export interface HoldRecord {
  readonly id: string;
  readonly caseNumber: string;
  readonly officer: string;
  readonly station: string;
  readonly reason: string;
  /** Held footage range, epoch ms, fromMs < toMs. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Camera ids; empty means every camera of the site. */
  readonly cameras: string[];
  readonly createdAt: number;
  readonly createdBy: string;
  /** null: open-ended, held until released. */
  readonly expiresAt: number | null;
  readonly releasedAt: number | null;
  readonly releasedBy: string | null;
  readonly releaseReason: string | null;
}

export interface NewHold {
  readonly caseNumber: string;
  readonly officer: string;
  readonly station: string;
  readonly reason: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Default []: every camera. */
  readonly cameras?: readonly string[];
  /** Who entered the hold (the audit actor). */
  readonly createdBy: string;
  /** Default null (open-ended); otherwise after the store clock's now. */
  readonly expiresAt?: number | null;
}

export interface HoldRelease {
  /** Who released it (the audit actor). */
  readonly by: string;
  readonly reason?: string | null;
  /** Default: the store clock. */
  readonly at?: number;
}

export interface HoldQuery {
  /** true: holds in force at `at`; false: released or expired by `at`; absent: all. */
  readonly active?: boolean;
  /** Default: the store clock. */
  readonly at?: number;
}

export interface HoldRepository {
  create(input: NewHold): HoldRecord;
  get(id: string): HoldRecord | null;
  /** Oldest first (creation order). */
  list(query?: HoldQuery): HoldRecord[];
  /** Throws UnknownHoldError, or HoldReleasedError when it was already released. */
  release(id: string, release: HoldRelease): HoldRecord;
  /**
   * Holds in force at `now`: not released and not expired by then. Deliberately not filtered on
   * createdAt, so a cleaner running with a clock behind the hold's creation still keeps its footage.
   */
  activeAt(now: number): HoldRecord[];
}

export class UnknownHoldError extends Error {
  override readonly name = 'UnknownHoldError';
  constructor(readonly operation: string, readonly holdId: string) {
    super(`${operation}: no hold with id ${holdId}`);
  }
}

export class HoldReleasedError extends Error {
  override readonly name = 'HoldReleasedError';
  constructor(readonly operation: string, readonly holdId: string, readonly releasedAt: number, readonly releasedBy: string | null) {
    super(`${operation}: hold ${holdId} was already released at ${new Date(releasedAt).toISOString()}${releasedBy ? ` by ${releasedBy}` : ''}`);
  }
}

/**
 * Case numbers end up in export file names, so only a conservative portable file-name alphabet is
 * accepted: no separators, no spaces, no leading dot, and no ".." anywhere.
 */
export const caseNumber = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" and "-" only, 1 to 64, starting with a letter or digit')
  .refine((s) => !s.includes('..'), 'must not contain ".."');
/** The config's camera id alphabet (MQTT topics and file names). */
export const cameraId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a camera id (letters, digits, "-" and "_", 1 to 64)');
const noControl = (s: string): boolean => !/\p{Cc}/u.test(s);
const person = z.string().trim().min(1).max(128).refine(noControl, 'must not contain control characters');
// A reason may span lines (a pasted request), but not carry other control characters.
const reasonText = z.string().trim().min(1).max(1000).refine((s) => !/[^\P{Cc}\n\t]/u.test(s), 'must not contain control characters other than newline and tab');
const holdId = z.string().min(1).max(100);

function newHoldSchema(now: number) {
  return z
    .object({
      caseNumber,
      officer: person,
      station: person,
      reason: reasonText,
      fromMs: epochMs,
      toMs: epochMs,
      cameras: z.array(cameraId).max(256).default([]),
      createdBy: actor,
      expiresAt: epochMs.nullable().default(null),
    })
    .strict()
    .superRefine((h, ctx) => {
      if (h.toMs <= h.fromMs) {
        ctx.addIssue({ code: 'custom', path: ['toMs'], message: `must be after the start of the held range (${new Date(h.fromMs).toISOString()})` });
      }
      if (h.expiresAt !== null && h.expiresAt <= now) {
        ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: `must be in the future (now is ${new Date(now).toISOString()})` });
      }
      const seen = new Set<string>();
      h.cameras.forEach((c, i) => {
        if (seen.has(c)) ctx.addIssue({ code: 'custom', path: ['cameras', i], message: `duplicate camera "${c}"` });
        seen.add(c);
      });
    });
}

const releaseSchema = z
  .object({ by: actor, reason: reasonText.nullable().default(null), at: epochMs.optional() })
  .strict();

const querySchema = z.object({ active: z.boolean().optional(), at: epochMs.optional() }).strict();

interface HoldRow {
  id: string;
  case_number: string;
  officer: string;
  station: string;
  reason: string;
  from_ms: number;
  to_ms: number;
  cameras: string;
  created_at: number;
  created_by: string;
  expires_at: number | null;
  released_at: number | null;
  released_by: string | null;
  release_reason: string | null;
}

const COLUMNS =
  'id, case_number, officer, station, reason, from_ms, to_ms, cameras, created_at, created_by, expires_at, ' +
  'released_at, released_by, release_reason';

function toRecord(row: HoldRow): HoldRecord {
  return {
    id: row.id,
    caseNumber: row.case_number,
    officer: row.officer,
    station: row.station,
    reason: row.reason,
    fromMs: row.from_ms,
    toMs: row.to_ms,
    cameras: JSON.parse(row.cameras) as string[],
    createdAt: row.created_at,
    createdBy: row.created_by,
    expiresAt: row.expires_at,
    releasedAt: row.released_at,
    releasedBy: row.released_by,
    releaseReason: row.release_reason,
  };
}

/** What the audit entry of a new hold records: the whole request, so the log alone tells it. */
function holdDetails(h: HoldRecord): Record<string, unknown> {
  return {
    caseNumber: h.caseNumber,
    officer: h.officer,
    station: h.station,
    reason: h.reason,
    fromMs: h.fromMs,
    toMs: h.toMs,
    cameras: h.cameras,
    expiresAt: h.expiresAt,
  };
}

// Active at @at: not released by then and not expired by then.
const ACTIVE = '(released_at IS NULL OR released_at > @at) AND (expires_at IS NULL OR expires_at > @at)';

export function createHoldRepository(db: Database, clock: () => number, newId: UuidV7Generator, audit: AuditRepository): HoldRepository {
  const insert = db.prepare<[HoldRow]>(`INSERT INTO holds (${COLUMNS}) VALUES (
    @id, @case_number, @officer, @station, @reason, @from_ms, @to_ms, @cameras, @created_at, @created_by, @expires_at,
    @released_at, @released_by, @release_reason)`);
  const selectOne = db.prepare<[string], HoldRow>(`SELECT ${COLUMNS} FROM holds WHERE id = ?`);
  const selectAll = db.prepare<[], HoldRow>(`SELECT ${COLUMNS} FROM holds ORDER BY created_at, id`);
  const selectActive = db.prepare<[{ at: number }], HoldRow>(`SELECT ${COLUMNS} FROM holds WHERE ${ACTIVE} ORDER BY created_at, id`);
  const selectInactive = db.prepare<[{ at: number }], HoldRow>(
    `SELECT ${COLUMNS} FROM holds WHERE NOT (${ACTIVE}) ORDER BY created_at, id`,
  );
  // The WHERE is the last guard against releasing twice, even by a writer racing this one.
  const markReleased = db.prepare<[{ id: string; released_at: number; released_by: string; release_reason: string | null }]>(
    `UPDATE holds SET released_at = @released_at, released_by = @released_by, release_reason = @release_reason
      WHERE id = @id AND released_at IS NULL`,
  );

  const createTx = db.transaction((record: HoldRecord): HoldRecord => {
    insert.run({
      id: record.id,
      case_number: record.caseNumber,
      officer: record.officer,
      station: record.station,
      reason: record.reason,
      from_ms: record.fromMs,
      to_ms: record.toMs,
      cameras: JSON.stringify(record.cameras),
      created_at: record.createdAt,
      created_by: record.createdBy,
      expires_at: record.expiresAt,
      released_at: null,
      released_by: null,
      release_reason: null,
    });
    audit.append({ actor: record.createdBy, action: 'hold.create', subject: record.id, details: holdDetails(record) });
    return record;
  });

  const releaseTx = db.transaction((id: string, r: z.output<typeof releaseSchema>): HoldRecord => {
    const operation = 'holds.release';
    const row = selectOne.get(id);
    if (row === undefined) throw new UnknownHoldError(operation, id);
    if (row.released_at !== null) throw new HoldReleasedError(operation, id, row.released_at, row.released_by);
    const at = r.at ?? clock();
    if (at < row.created_at) {
      failValidation(`${operation}(${id})`, 'at', [`at: must not be before the hold was created (${new Date(row.created_at).toISOString()})`]);
    }
    const changed = markReleased.run({ id, released_at: at, released_by: r.by, release_reason: r.reason });
    if (changed.changes !== 1) throw new Error(`${operation}: hold ${id} changed ${changed.changes} rows, expected 1`);
    audit.append({
      actor: r.by,
      action: 'hold.release',
      subject: id,
      details: { caseNumber: row.case_number, releasedAt: at, reason: r.reason },
    });
    return toRecord({ ...row, released_at: at, released_by: r.by, release_reason: r.reason });
  });

  return {
    create(input) {
      const now = clock();
      const caseLabel = String((input as { caseNumber?: unknown } | null)?.caseNumber);
      const h = validate(`holds.create(${caseLabel})`, newHoldSchema(now), input);
      const record: HoldRecord = {
        id: newId(now),
        ...h,
        createdAt: now,
        releasedAt: null,
        releasedBy: null,
        releaseReason: null,
      };
      // Immediate: the audit append inside reads the log's last hash under the write lock.
      return createTx.immediate(record);
    },

    get(id) {
      const row = selectOne.get(validate('holds.get', holdId, id));
      return row === undefined ? null : toRecord(row);
    },

    list(query = {}) {
      const q = validate('holds.list', querySchema, query);
      if (q.active === undefined) return selectAll.all().map(toRecord);
      const at = q.at ?? clock();
      return (q.active ? selectActive : selectInactive).all({ at }).map(toRecord);
    },

    release(id, release) {
      const validId = validate('holds.release', holdId, id);
      const r = validate(`holds.release(${validId})`, releaseSchema, release);
      return releaseTx.immediate(validId, r);
    },

    activeAt(now) {
      const at = validate('holds.activeAt', epochMs, now);
      return selectActive.all({ at }).map(toRecord);
    },
  };
}
