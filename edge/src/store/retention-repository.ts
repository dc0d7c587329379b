/**
 * What footage retention reads and writes in SQLite. Planning a run over an index of a million
 * segments must take well under a second, and merely pulling every row into JavaScript takes
 * seconds, so neither the index nor the events are walked in JavaScript:
 *
 * 1. SQLite merges the protected time ranges of each camera (holds in force and, for the first
 *    kind, event footage still kept) with a window function, and stores their complement, the
 *    "gaps" where footage may be deleted, in a TEMP table.
 * 2. The planner reads back only the segments lying wholly inside a gap, oldest first, a page at
 *    a time: one seek on segments_camera_start per gap, protected footage never read at all.
 *
 * The TEMP tables are private to this connection, never written to the database file, and gone
 * when the store closes.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Behaviour } from './event-repository.js';
import { BEHAVIOURS } from './validation.js';

/** A completed segment as retention sees it (segments still being written are never offered). */
export interface RetentionSegment {
  readonly id: number;
  readonly camera: string;
  /** Relative to the data directory, as stored. */
  readonly path: string;
  readonly startMs: number;
  readonly endMs: number;
  /** 0 when the size was never measured. */
  readonly bytes: number;
}

/** The fields of an event that decide which footage it keeps and for how long. */
export interface RetentionEvent {
  readonly camera: string;
  readonly behaviour: Behaviour;
  readonly startedAt: number;
  /** null while open. */
  readonly endedAt: number | null;
  readonly clipStart: number | null;
  readonly clipEnd: number | null;
}

export interface RetentionHold {
  readonly id: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Empty: every camera. */
  readonly cameras: readonly string[];
}

/**
 * Which ranges a set of gaps avoids: `unprotected` lies outside holds in force and outside kept
 * event footage; `unheld` lies outside holds in force only.
 */
export type GapKind = 'unprotected' | 'unheld';

/** How event footage is kept (the policy in milliseconds); see retention/. */
export interface GapRules {
  readonly now: number;
  readonly preMs: number;
  readonly postMs: number;
  /** How long after its end an event keeps its footage, per behaviour. */
  readonly eventMs: Readonly<Record<Behaviour, number>>;
  /** Cameras to build gaps for (those in the index); holds for "all cameras" apply to each. */
  readonly cameras: readonly string[];
  /**
   * Ended events that started before this are not read: they cannot reach any footage still in
   * the index, or their footage is past every behaviour's days. Open events are always read.
   */
  readonly eventsFrom: number;
}

/** A segment read from a gap, with the gap it was found in (where the next page resumes). */
export interface GapSegment extends RetentionSegment {
  readonly gapLo: number;
}

/** Where a gap cursor stands: after this segment of this gap. */
export interface GapPosition {
  readonly gapLo: number;
  readonly start: number;
  readonly id: number;
}

export interface SegmentFileRow {
  readonly id: number;
  readonly path: string;
  readonly bytes: number | null;
}

export interface RetentionRepository {
  /** Cameras with at least one segment in the index, sorted. */
  cameras(): string[];
  /** Earliest segment start of the camera, or null when it has none. */
  earliestStart(camera: string): number | null;
  /** Ended events that started in [from, to) and ended (or their clip ended) at or after `endedSince`. */
  endedEventsBetween(from: number, to: number, endedSince: number): RetentionEvent[];
  /** Holds in force at `now`: not released by then, not expired by then. */
  activeHolds(now: number): RetentionHold[];
  /** Sum of indexed segment sizes, in bytes. */
  indexBytes(): number;
  /** Replaces this connection's gaps of `kind`; returns how many there are. */
  buildGaps(kind: GapKind, rules: GapRules): { gaps: number };
  /** Drops the gaps (they are only needed while one plan is made). */
  clearGaps(): void;
  /**
   * Up to `limit` completed segments of the camera lying wholly inside one of its gaps of `kind`,
   * ordered by (startMs, id), strictly after `after` (from the start when null). With
   * `notIn`, segments lying wholly inside a gap of that kind too are left out.
   */
  gapSegments(kind: GapKind, camera: string, after: GapPosition | null, limit: number, notIn?: GapKind): GapSegment[];
  /** Runs `fn` in one read transaction so every query of a plan sees the same index. */
  snapshot<T>(fn: () => T): T;
  /**
   * Runs `fn` in a write (IMMEDIATE) transaction: no other writer, in this process or another,
   * can create a hold or index a segment until it returns. Deletion uses it to re-check holds.
   */
  exclusive<T>(fn: () => T): T;
  /** Completed segment rows still present among `ids` (a concurrent run may have removed some). */
  segmentsById(ids: readonly number[]): RetentionSegment[];
  /** Removes index rows; returns how many existed. */
  remove(ids: readonly number[]): number;
  /** Records a re-measured size. */
  setBytes(id: number, bytes: number): void;
  /** Every index row of the camera (id, path, bytes): for the start-up sweep, one camera at a time. */
  cameraFiles(camera: string): SegmentFileRow[];
}

interface SegmentRow {
  id: number;
  camera: string;
  path: string;
  start_ms: number;
  end_ms: number;
  bytes: number | null;
}

interface EventRow {
  camera: string;
  behaviour: Behaviour;
  started_at: number;
  ended_at: number | null;
  clip_start: number | null;
  clip_end: number | null;
}

const toSegment = (r: SegmentRow): RetentionSegment => ({
  id: r.id, camera: r.camera, path: r.path, startMs: r.start_ms, endMs: r.end_ms, bytes: r.bytes ?? 0,
});

const toEvent = (r: EventRow): RetentionEvent => ({
  camera: r.camera, behaviour: r.behaviour, startedAt: r.started_at, endedAt: r.ended_at, clipStart: r.clip_start, clipEnd: r.clip_end,
});

const GAP_KIND_CODE: Record<GapKind, number> = { unprotected: 0, unheld: 1 };
/** Beyond any real timestamp: the open end of each camera's last gap. */
const END_OF_TIME = Number.MAX_SAFE_INTEGER;
/** SQLite's bound-parameter limit is 32766 since 3.32; stay well below it. */
const ID_CHUNK = 500;

// The same definition of "in force" as holds.activeAt(): a release or expiry after `now` has not happened yet.
const HOLD_IN_FORCE = '(released_at IS NULL OR released_at > @now) AND (expires_at IS NULL OR expires_at > @now)';

/**
 * An event's footage window: from its zone entry (clip start) or start, whichever is earlier,
 * minus pre, to its end (now while open) or clip end, whichever is later, plus post. Kept while
 * open, or until its behaviour's days after the end. Must match eventWindow() in retention-plan.ts.
 */
const EVENT_WINDOW = `
  min(e.started_at, coalesce(e.clip_start, e.started_at)) - @pre AS lo,
  max(coalesce(e.ended_at, @now), coalesce(e.clip_end, e.ended_at, @now)) + @post AS hi`;
// Per-behaviour keep times as bound parameters (@keep_phone_at_atm, ...): parsing a JSON argument
// per row costs more than the rest of the scan.
const EVENT_KEPT = `(e.ended_at IS NULL OR e.ended_at + CASE e.behaviour ${BEHAVIOURS.map((b) => `WHEN '${b}' THEN @keep_${b}`).join(' ')} ELSE 0 END > @now)`;

export function createRetentionRepository(db: Database): RetentionRepository {
  interface GapStatements {
    clearGaps: Statement<[number]>;
    insertGaps: Statement<[Record<string, number | string>]>;
    page: Statement<[Record<string, number | string>], SegmentRow & { gap_lo: number }>;
  }
  // Created on first use so opening a store for anything else never touches the temp schema.
  let gapStatements: GapStatements | null = null;
  const gapSql = (): GapStatements => {
    if (gapStatements) return gapStatements;
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS retention_gaps (
      kind INTEGER NOT NULL, camera TEXT NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL,
      PRIMARY KEY (kind, camera, lo)) WITHOUT ROWID`);
    gapStatements = {
      clearGaps: db.prepare('DELETE FROM temp.retention_gaps WHERE kind = ?'),
      // Gaps and islands in one sorted pass: per camera, ranges by start; a gap ends where a range
      // starts beyond the furthest end before it. A sentinel range at the end of time closes each
      // camera's last gap (and makes a camera with no range one gap from 0).
      insertGaps: db.prepare(`
        INSERT INTO temp.retention_gaps (kind, camera, lo, hi)
        WITH cams(camera) AS (SELECT value FROM json_each(@cameras)),
        ranges(camera, lo, hi) AS (
          SELECT camera, @end, @end + 1 FROM cams
          UNION ALL
          SELECT c.camera, h.from_ms, h.to_ms
            FROM holds h JOIN cams c
              ON json_array_length(h.cameras) = 0 OR c.camera IN (SELECT value FROM json_each(h.cameras))
           WHERE ${HOLD_IN_FORCE}
          UNION ALL
          SELECT e.camera, ${EVENT_WINDOW} FROM events e
           WHERE @withEvents AND e.started_at >= @eventsFrom AND ${EVENT_KEPT}
             AND e.camera IN (SELECT camera FROM cams)
          UNION ALL
          SELECT e.camera, ${EVENT_WINDOW} FROM events e
           WHERE @withEvents AND e.ended_at IS NULL AND e.started_at < @eventsFrom
             AND e.camera IN (SELECT camera FROM cams))
        SELECT @kind, camera, max(0, coalesce(reach, 0)), lo FROM (
          SELECT camera, lo, max(hi) OVER (PARTITION BY camera ORDER BY lo, hi ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
            FROM ranges WHERE hi > lo)
         WHERE lo > coalesce(reach, 0) AND lo > 0`),
      // Gaps in key order from the cursor's gap on, each one seek on segments_camera_start that
      // starts at the cursor: rows come out in (start, id) order without a sort, so LIMIT ends the
      // scan as soon as the page is full.
      page: db.prepare(`
        SELECT g.lo AS gap_lo, s.id, s.camera, s.path, s.start_ms, s.end_ms, s.bytes
          FROM temp.retention_gaps g
          JOIN segments s ON s.camera = g.camera AND s.start_ms >= max(g.lo, @afterStart) AND s.start_ms <= g.hi
         WHERE g.kind = @kind AND g.camera = @camera AND g.lo >= @gapLo
           AND s.end_ms IS NOT NULL AND s.end_ms <= g.hi
           AND (s.start_ms > @afterStart OR s.id > @afterId)
           AND (@notIn < 0 OR coalesce((
                 SELECT u.hi >= s.end_ms FROM temp.retention_gaps u
                  WHERE u.kind = @notIn AND u.camera = s.camera AND u.lo <= s.start_ms ORDER BY u.lo DESC LIMIT 1), 0) = 0)
         ORDER BY g.lo, s.start_ms, s.id
         LIMIT @limit`),
    };
    return gapStatements;
  };

  const nextCamera = db.prepare<[string], string | null>('SELECT min(camera) FROM segments WHERE camera > ?').pluck();
  const earliest = db.prepare<[string], number | null>('SELECT min(start_ms) FROM segments WHERE camera = ?').pluck();
  // The started_at range uses events_started; the end test drops the long tail before it reaches JavaScript.
  const eventsBetween = db.prepare<[number, number, number, number], EventRow>(
    `SELECT camera, behaviour, started_at, ended_at, clip_start, clip_end FROM events
      WHERE started_at >= ? AND started_at < ? AND ended_at IS NOT NULL AND (ended_at >= ? OR clip_end >= ?)`,
  );
  const holds = db.prepare<[{ now: number }], { id: string; from_ms: number; to_ms: number; cameras: string }>(
    `SELECT id, from_ms, to_ms, cameras FROM holds WHERE ${HOLD_IN_FORCE}`,
  );
  const sumBytes = db.prepare<[], number>('SELECT total(bytes) FROM segments').pluck();
  const byCamera = db.prepare<[string], SegmentFileRow>('SELECT id, path, bytes FROM segments WHERE camera = ? ORDER BY start_ms, id');
  const updateBytes = db.prepare<[number, number]>('UPDATE segments SET bytes = ? WHERE id = ?');
  const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

  return {
    cameras() {
      // A skip-scan over segments_camera_start: one seek per camera instead of reading the index.
      const out: string[] = [];
      let camera = nextCamera.get('');
      while (typeof camera === 'string') {
        out.push(camera);
        camera = nextCamera.get(camera);
      }
      return out;
    },
    earliestStart(camera) {
      return earliest.get(camera) ?? null;
    },
    endedEventsBetween(from, to, endedSince) {
      return eventsBetween.all(from, to, endedSince, endedSince).map(toEvent);
    },
    activeHolds(now) {
      return holds.all({ now }).map((r) => ({ id: r.id, fromMs: r.from_ms, toMs: r.to_ms, cameras: JSON.parse(r.cameras) as string[] }));
    },
    indexBytes() {
      return sumBytes.get() ?? 0;
    },
    buildGaps(kind, rules) {
      const sql = gapSql();
      const code = GAP_KIND_CODE[kind];
      sql.clearGaps.run(code);
      const keep = Object.fromEntries(BEHAVIOURS.map((b) => [`keep_${b}`, rules.eventMs[b]]));
      const gaps = sql.insertGaps.run({
        kind: code, end: END_OF_TIME, cameras: JSON.stringify(rules.cameras), now: rules.now, pre: rules.preMs, post: rules.postMs,
        eventsFrom: rules.eventsFrom, withEvents: kind === 'unprotected' ? 1 : 0, ...keep,
      }).changes;
      return { gaps };
    },
    clearGaps() {
      if (gapStatements) db.exec('DELETE FROM temp.retention_gaps');
    },
    gapSegments(kind, camera, after, limit, notIn) {
      const rows = gapSql().page.all({
        kind: GAP_KIND_CODE[kind], camera, limit, notIn: notIn === undefined ? -1 : GAP_KIND_CODE[notIn],
        gapLo: after?.gapLo ?? -1, afterStart: after?.start ?? -1, afterId: after?.id ?? -1,
      });
      return rows.map((r) => ({ id: r.id, camera: r.camera, path: r.path, startMs: r.start_ms, endMs: r.end_ms, bytes: r.bytes ?? 0, gapLo: r.gap_lo }));
    },
    snapshot(fn) {
      return db.transaction(fn)();
    },
    exclusive(fn) {
      return db.transaction(fn).immediate();
    },
    segmentsById(ids) {
      const out: RetentionSegment[] = [];
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const chunk = ids.slice(i, i + ID_CHUNK);
        const rows = db.prepare<number[], SegmentRow>(
          `SELECT id, camera, path, start_ms, end_ms, bytes FROM segments WHERE end_ms IS NOT NULL AND id IN (${placeholders(chunk.length)})`,
        ).all(...chunk);
        out.push(...rows.map(toSegment));
      }
      return out;
    },
    remove(ids) {
      let removed = 0;
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const chunk = ids.slice(i, i + ID_CHUNK);
        removed += db.prepare(`DELETE FROM segments WHERE id IN (${placeholders(chunk.length)})`).run(...chunk).changes;
      }
      return removed;
    },
    setBytes(id, bytes) {
      updateBytes.run(bytes, id);
    },
    cameraFiles(camera) {
      return byCamera.all(camera);
    },
  };
}
