/**
 * Index of recorded footage segments. A segment is added when the recorder opens its file (end and
 * size unknown) and completed when the file is closed, so footage being written is already findable
 * and a crash leaves an index row pointing at the partial file rather than an unindexed file.
 */
import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import { SegmentError } from './errors.js';
import { CONTAINERS, count, epochMs, name, relativePath, validate } from './validation.js';

export type Container = (typeof CONTAINERS)[number];

export interface NewSegment {
  readonly camera: string;
  /** Relative to the data directory; unique. */
  readonly path: string;
  readonly startMs: number;
  readonly container: Container;
  /** Known when the segment is indexed after the fact; otherwise set by complete(). */
  readonly endMs?: number | null;
  readonly bytes?: number | null;
  /** The camera codec the recorder transcoded from (to H.264); null or absent for a copy. */
  readonly transcodedFrom?: string | null;
}

export interface SegmentRecord {
  readonly id: number;
  readonly camera: string;
  readonly path: string;
  /** Epoch ms of the first frame. */
  readonly startMs: number;
  /** Epoch ms of the end; null while the segment is being written. */
  readonly endMs: number | null;
  readonly bytes: number | null;
  readonly container: Container;
  /** The camera codec the recorder transcoded from (to H.264); null when the stream was copied. */
  readonly transcodedFrom: string | null;
  readonly createdAt: number;
}

export interface SegmentRange {
  readonly camera: string;
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
}

export interface SegmentRepository {
  add(segment: NewSegment): SegmentRecord;
  complete(path: string, endMs: number, bytes: number): SegmentRecord;
  /**
   * Segments of the camera overlapping [from, to), oldest first. A segment still being written
   * (endMs null) counts as reaching to the present.
   */
  list(range: SegmentRange): SegmentRecord[];
  count(): number;
}

const newSegmentSchema = z
  .object({
    camera: name,
    path: relativePath,
    startMs: epochMs,
    container: z.enum(CONTAINERS),
    endMs: epochMs.nullable().default(null),
    bytes: count.nullable().default(null),
    transcodedFrom: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a codec name as ffprobe gives it').nullable().default(null),
  })
  .strict()
  .refine((s) => s.endMs === null || s.endMs >= s.startMs, { message: 'is before startMs', path: ['endMs'] });

const completeSchema = z.object({ path: relativePath, endMs: epochMs, bytes: count });

const rangeSchema = z
  .object({ camera: name, from: epochMs, to: epochMs })
  .strict()
  .refine((r) => r.to >= r.from, { message: 'is before from', path: ['to'] });

interface SegmentRow {
  id: number;
  camera: string;
  path: string;
  start_ms: number;
  end_ms: number | null;
  bytes: number | null;
  container: Container;
  transcoded_from: string | null;
  created_at: number;
}

const COLUMNS = 'id, camera, path, start_ms, end_ms, bytes, container, transcoded_from, created_at';

function toRecord(row: SegmentRow): SegmentRecord {
  return {
    id: row.id,
    camera: row.camera,
    path: row.path,
    startMs: row.start_ms,
    endMs: row.end_ms,
    bytes: row.bytes,
    container: row.container,
    transcodedFrom: row.transcoded_from,
    createdAt: row.created_at,
  };
}

export function createSegmentRepository(db: Database, clock: () => number): SegmentRepository {
  const insert: Statement<[Omit<SegmentRow, 'id'>]> = db.prepare(
    'INSERT INTO segments (camera, path, start_ms, end_ms, bytes, container, transcoded_from, created_at) ' +
      'VALUES (@camera, @path, @start_ms, @end_ms, @bytes, @container, @transcoded_from, @created_at)',
  );
  const byPath: Statement<[string], SegmentRow> = db.prepare(`SELECT ${COLUMNS} FROM segments WHERE path = ?`);
  const finish: Statement<[{ path: string; end_ms: number; bytes: number }]> = db.prepare(
    'UPDATE segments SET end_ms = @end_ms, bytes = @bytes WHERE path = @path AND end_ms IS NULL',
  );
  // start_ms < to uses the (camera, start_ms) index; the end test filters the few rows left.
  const overlapping: Statement<[{ camera: string; from: number; to: number }], SegmentRow> = db.prepare(
    `SELECT ${COLUMNS} FROM segments
     WHERE camera = @camera AND start_ms < @to AND (end_ms IS NULL OR end_ms > @from)
     ORDER BY start_ms, id`,
  );
  const countAll = db.prepare<[], number>('SELECT count(*) FROM segments').pluck();

  const complete = db.transaction((path: string, endMs: number, bytes: number): SegmentRecord => {
    const row = byPath.get(path);
    if (row === undefined) throw new SegmentError('segments.complete', path, 'not in the index');
    if (row.end_ms !== null) {
      throw new SegmentError('segments.complete', path, `already completed (end ${row.end_ms}, ${row.bytes} bytes)`);
    }
    if (endMs < row.start_ms) {
      throw new SegmentError('segments.complete', path, `endMs ${endMs} is before startMs ${row.start_ms}`);
    }
    finish.run({ path, end_ms: endMs, bytes });
    return toRecord({ ...row, end_ms: endMs, bytes });
  });

  return {
    add(segment) {
      const s = validate(`segments.add(${String((segment as { path?: unknown } | null)?.path)})`, newSegmentSchema, segment);
      const row = {
        camera: s.camera, path: s.path, start_ms: s.startMs, end_ms: s.endMs, bytes: s.bytes,
        container: s.container, transcoded_from: s.transcodedFrom, created_at: clock(),
      };
      try {
        return toRecord({ id: Number(insert.run(row).lastInsertRowid), ...row });
      } catch (error) {
        const reason = (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'
          ? 'already in the index'
          : (error as Error).message;
        throw new SegmentError('segments.add', s.path, reason, { cause: error });
      }
    },
    complete(path, endMs, bytes) {
      const c = validate(`segments.complete(${String(path)})`, completeSchema, { path, endMs, bytes });
      return complete.immediate(c.path, c.endMs, c.bytes);
    },
    list(range) {
      return overlapping.all(validate('segments.list', rangeSchema, range)).map(toRecord);
    },
    count() {
      return countAll.get() ?? 0;
    },
  };
}
