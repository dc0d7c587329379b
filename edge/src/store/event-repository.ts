/**
 * Behaviour events (a person on a call at an ATM, lingering at the e-money rack): opened when the
 * behaviour starts, updated while it lasts, ended once. Events are evidence, so nothing here deletes
 * or reopens one, and an ended event cannot be changed.
 */
import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import { EventEndedError, UnknownEventError } from './errors.js';
import type { UuidV7Generator } from './ids.js';
import {
  BEHAVIOURS, PHONE_STATES, SEVERITIES, details, epochMs, failValidation, finiteNonNegative, name, relativePath, validate,
} from './validation.js';

export type Behaviour = (typeof BEHAVIOURS)[number];
export type Severity = (typeof SEVERITIES)[number];
export type PhoneState = (typeof PHONE_STATES)[number];

/** Times are epoch milliseconds (UTC); see timestamps.ts. */
export interface EventRecord {
  readonly id: string;
  readonly camera: string;
  readonly zone: string;
  readonly behaviour: Behaviour;
  readonly severity: Severity;
  readonly trackId: number;
  readonly startedAt: number;
  readonly updatedAt: number;
  /** null while the event is open. */
  readonly endedAt: number | null;
  readonly dwellSeconds: number;
  readonly phone: PhoneState;
  /** Relative to the data directory. */
  readonly snapshotPath: string | null;
  /** Epoch ms range of footage kept for this event. */
  readonly clipStart: number | null;
  readonly clipEnd: number | null;
  readonly details: Record<string, unknown>;
}

export interface NewEvent {
  /** Generated (UUIDv7) when absent. */
  readonly id?: string;
  readonly camera: string;
  readonly zone: string;
  readonly behaviour: Behaviour;
  readonly severity: Severity;
  readonly trackId: number;
  readonly startedAt: number;
  /** Default 0. */
  readonly dwellSeconds?: number;
  readonly phone: PhoneState;
  readonly snapshotPath?: string | null;
  readonly clipStart?: number | null;
  readonly clipEnd?: number | null;
  /** Default {}. */
  readonly details?: Record<string, unknown>;
}

/** Fields left out are kept; `details` replaces the stored object as a whole. */
export interface EventPatch {
  readonly zone?: string;
  readonly severity?: Severity;
  readonly dwellSeconds?: number;
  readonly phone?: PhoneState;
  readonly snapshotPath?: string | null;
  readonly clipStart?: number | null;
  readonly clipEnd?: number | null;
  readonly details?: Record<string, unknown>;
  /** Default: the store clock. */
  readonly updatedAt?: number;
}

export type EventEndPatch = Omit<EventPatch, 'updatedAt'>;

export interface EventQuery {
  readonly camera?: string;
  readonly behaviour?: Behaviour;
  readonly severity?: Severity;
  /** true: only events someone has acknowledged (event_acks); false: only those nobody has. */
  readonly acknowledged?: boolean;
  /** startedAt >= since (epoch ms). */
  readonly since?: number;
  /** startedAt < until (epoch ms). */
  readonly until?: number;
  /** true: only open events; false: only ended ones. */
  readonly open?: boolean;
  /** Default 100, at most 10000. */
  readonly limit?: number;
}

export interface EventRepository {
  start(event: NewEvent): EventRecord;
  update(id: string, patch: EventPatch): EventRecord;
  end(id: string, endedAt: number, patch?: EventEndPatch): EventRecord;
  get(id: string): EventRecord | undefined;
  /** Newest first (startedAt, then id, descending). */
  list(query?: EventQuery): EventRecord[];
}

const eventId = z.string().min(1).max(100);
const nullableMs = epochMs.nullable();

const newEventSchema = z
  .object({
    id: eventId.optional(),
    camera: name,
    zone: name,
    behaviour: z.enum(BEHAVIOURS),
    severity: z.enum(SEVERITIES),
    trackId: z.int().nonnegative(),
    startedAt: epochMs,
    dwellSeconds: finiteNonNegative.default(0),
    phone: z.enum(PHONE_STATES),
    snapshotPath: relativePath.nullable().default(null),
    clipStart: nullableMs.default(null),
    clipEnd: nullableMs.default(null),
    details: details.default({}),
  })
  // Unknown keys are refused: a misspelt field would otherwise vanish from the evidence silently.
  .strict();

const patchSchema = z
  .object({
    zone: name.optional(),
    severity: z.enum(SEVERITIES).optional(),
    dwellSeconds: finiteNonNegative.optional(),
    phone: z.enum(PHONE_STATES).optional(),
    snapshotPath: relativePath.nullable().optional(),
    clipStart: nullableMs.optional(),
    clipEnd: nullableMs.optional(),
    details: details.optional(),
    updatedAt: epochMs.optional(),
  })
  .strict();

const endPatchSchema = patchSchema.omit({ updatedAt: true });

const querySchema = z
  .object({
    camera: name.optional(),
    behaviour: z.enum(BEHAVIOURS).optional(),
    severity: z.enum(SEVERITIES).optional(),
    acknowledged: z.boolean().optional(),
    since: epochMs.optional(),
    until: epochMs.optional(),
    open: z.boolean().optional(),
    limit: z.int().min(1).max(10_000).default(100),
  })
  .strict();

interface EventRow {
  id: string;
  camera: string;
  zone: string;
  behaviour: Behaviour;
  severity: Severity;
  track_id: number;
  started_at: number;
  updated_at: number;
  ended_at: number | null;
  dwell_seconds: number;
  phone: PhoneState;
  snapshot_path: string | null;
  clip_start: number | null;
  clip_end: number | null;
  details: string;
}

const COLUMNS =
  'id, camera, zone, behaviour, severity, track_id, started_at, updated_at, ended_at, dwell_seconds, phone, ' +
  'snapshot_path, clip_start, clip_end, details';

function toRecord(row: EventRow): EventRecord {
  return {
    id: row.id,
    camera: row.camera,
    zone: row.zone,
    behaviour: row.behaviour,
    severity: row.severity,
    trackId: row.track_id,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
    dwellSeconds: row.dwell_seconds,
    phone: row.phone,
    snapshotPath: row.snapshot_path,
    clipStart: row.clip_start,
    clipEnd: row.clip_end,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

function toRow(record: EventRecord): EventRow {
  return {
    id: record.id,
    camera: record.camera,
    zone: record.zone,
    behaviour: record.behaviour,
    severity: record.severity,
    track_id: record.trackId,
    started_at: record.startedAt,
    updated_at: record.updatedAt,
    ended_at: record.endedAt,
    dwell_seconds: record.dwellSeconds,
    phone: record.phone,
    snapshot_path: record.snapshotPath,
    clip_start: record.clipStart,
    clip_end: record.clipEnd,
    details: JSON.stringify(record.details),
  };
}

/** Checks that span fields, after defaults and patches are applied. */
function checkOrdering(operation: string, record: EventRecord): void {
  if (record.clipStart !== null && record.clipEnd !== null && record.clipEnd < record.clipStart) {
    failValidation(operation, 'clipEnd', [`clipEnd: ${record.clipEnd} is before clipStart ${record.clipStart}`]);
  }
  if (record.endedAt !== null && record.endedAt < record.startedAt) {
    failValidation(operation, 'endedAt', [`endedAt: ${record.endedAt} is before startedAt ${record.startedAt}`]);
  }
}

/** `{ severity: undefined }` means "unchanged", like leaving the field out. */
function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function isPrimaryKeyConflict(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function createEventRepository(db: Database, clock: () => number, newId: UuidV7Generator): EventRepository {
  const insert: Statement<[EventRow]> = db.prepare(`INSERT INTO events (${COLUMNS}) VALUES (
    @id, @camera, @zone, @behaviour, @severity, @track_id, @started_at, @updated_at, @ended_at, @dwell_seconds,
    @phone, @snapshot_path, @clip_start, @clip_end, @details)`);
  const selectOne: Statement<[string], EventRow> = db.prepare(`SELECT ${COLUMNS} FROM events WHERE id = ?`);
  // Only open rows are written: the WHERE is the last guard against rewriting an ended event.
  const write: Statement<[EventRow]> = db.prepare(`UPDATE events SET
    zone = @zone, severity = @severity, updated_at = @updated_at, ended_at = @ended_at,
    dwell_seconds = @dwell_seconds, phone = @phone, snapshot_path = @snapshot_path, clip_start = @clip_start,
    clip_end = @clip_end, details = @details
    WHERE id = @id AND ended_at IS NULL`);

  // One statement per combination of filters, prepared on first use, so each can use its index.
  const listStatements = new Map<string, Statement<[Record<string, unknown>], EventRow>>();
  const listStatement = (q: z.output<typeof querySchema>): Statement<[Record<string, unknown>], EventRow> => {
    const where: string[] = [];
    if (q.camera !== undefined) where.push('camera = @camera');
    if (q.behaviour !== undefined) where.push('behaviour = @behaviour');
    if (q.severity !== undefined) where.push('severity = @severity');
    // event_acks is indexed by event_id, so this is one index probe per candidate row.
    if (q.acknowledged === true) where.push('EXISTS (SELECT 1 FROM event_acks a WHERE a.event_id = events.id)');
    if (q.acknowledged === false) where.push('NOT EXISTS (SELECT 1 FROM event_acks a WHERE a.event_id = events.id)');
    if (q.since !== undefined) where.push('started_at >= @since');
    if (q.until !== undefined) where.push('started_at < @until');
    if (q.open === true) where.push('ended_at IS NULL');
    if (q.open === false) where.push('ended_at IS NOT NULL');
    const key = where.join(' AND ');
    let statement = listStatements.get(key);
    if (statement === undefined) {
      statement = db.prepare(
        `SELECT ${COLUMNS} FROM events ${key === '' ? '' : `WHERE ${key}`} ORDER BY started_at DESC, id DESC LIMIT @limit`,
      );
      listStatements.set(key, statement);
    }
    return statement;
  };

  const openEvent = (operation: string, id: string): EventRecord => {
    const row = selectOne.get(id);
    if (row === undefined) throw new UnknownEventError(operation, id);
    if (row.ended_at !== null) throw new EventEndedError(operation, id, row.ended_at);
    return toRecord(row);
  };

  const change = db.transaction((operation: string, id: string, next: (current: EventRecord) => EventRecord) => {
    const updated = next(openEvent(operation, id));
    checkOrdering(operation, updated);
    const result = write.run(toRow(updated));
    if (result.changes !== 1) throw new Error(`${operation}: event ${id} changed ${result.changes} rows, expected 1`);
    return updated;
  });

  return {
    start(event) {
      const e = validate(`events.start(${String((event as { camera?: unknown } | null)?.camera)})`, newEventSchema, event);
      const record: EventRecord = { ...e, id: e.id ?? newId(clock()), updatedAt: e.startedAt, endedAt: null };
      checkOrdering('events.start', record);
      try {
        insert.run(toRow(record));
      } catch (error) {
        if (isPrimaryKeyConflict(error)) {
          throw new Error(`events.start: an event with id ${record.id} already exists`, { cause: error });
        }
        throw new Error(`events.start: event ${record.id} (camera ${record.camera}): ${(error as Error).message}`, {
          cause: error,
        });
      }
      return record;
    },

    update(id, patch) {
      const p = definedOnly(validate(`events.update(${id})`, patchSchema, patch));
      return change.immediate('events.update', id, (current) => ({ ...current, ...p, updatedAt: p.updatedAt ?? clock() }));
    },

    end(id, endedAt, patch = {}) {
      const p = definedOnly(validate(`events.end(${id})`, endPatchSchema, patch));
      const at = validate(`events.end(${id})`, z.object({ endedAt: epochMs }), { endedAt }).endedAt;
      return change.immediate('events.end', id, (current) => ({ ...current, ...p, updatedAt: at, endedAt: at }));
    },

    get(id) {
      const row = selectOne.get(id);
      return row === undefined ? undefined : toRecord(row);
    },

    list(query = {}) {
      const q = validate('events.list', querySchema, query);
      const params: Record<string, unknown> = { limit: q.limit };
      if (q.camera !== undefined) params.camera = q.camera;
      if (q.behaviour !== undefined) params.behaviour = q.behaviour;
      if (q.severity !== undefined) params.severity = q.severity;
      if (q.since !== undefined) params.since = q.since;
      if (q.until !== undefined) params.until = q.until;
      return listStatement(q).all(params).map(toRecord);
    },
  };
}
