/**
 * Camera health samples (state, frame rates, drops) for the dashboard and for diagnosing gaps in
 * footage. Unlike events they are not evidence, so the table is bounded by age: record() deletes
 * samples older than the retention window (at most once a minute of sample time), except each
 * camera's latest sample, so a camera that went quiet still shows its last known state. The pipeline
 * is expected to record on every state change and every few seconds while streaming, not per frame.
 */
import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import { CAMERA_STATES, count, epochMs, finiteNonNegative, name, validate } from './validation.js';

export type CameraState = (typeof CAMERA_STATES)[number];

export interface HealthSample {
  readonly camera: string;
  /** Epoch ms; default: the store clock. */
  readonly at?: number;
  readonly state: CameraState;
  readonly detail?: string | null;
  readonly fpsIn?: number | null;
  readonly fpsOut?: number | null;
  /** Frames dropped, as counted by the pipeline. */
  readonly dropped?: number | null;
}

export interface HealthRecord {
  readonly id: number;
  readonly camera: string;
  readonly at: number;
  readonly state: CameraState;
  readonly detail: string | null;
  readonly fpsIn: number | null;
  readonly fpsOut: number | null;
  readonly dropped: number | null;
}

export interface HealthRepository {
  record(sample: HealthSample): HealthRecord;
  latest(camera: string): HealthRecord | undefined;
  /** The latest sample of every camera, by camera name. */
  latestAll(): HealthRecord[];
  /** Deletes samples older than `before` (epoch ms), keeping each camera's latest; returns the count. */
  prune(before: number): number;
}

export const DEFAULT_HEALTH_RETENTION_MS = 7 * 24 * 3600_000;
const PRUNE_INTERVAL_MS = 60_000;

const sampleSchema = z
  .object({
    camera: name,
    at: epochMs.optional(),
    state: z.enum(CAMERA_STATES),
    detail: z.string().max(2000).nullable().default(null),
    fpsIn: finiteNonNegative.nullable().default(null),
    fpsOut: finiteNonNegative.nullable().default(null),
    dropped: count.nullable().default(null),
  })
  .strict();

interface HealthRow {
  id: number;
  camera: string;
  at: number;
  state: CameraState;
  detail: string | null;
  fps_in: number | null;
  fps_out: number | null;
  dropped: number | null;
}

const COLUMNS = 'id, camera, at, state, detail, fps_in, fps_out, dropped';

function toRecord(row: HealthRow): HealthRecord {
  return {
    id: row.id,
    camera: row.camera,
    at: row.at,
    state: row.state,
    detail: row.detail,
    fpsIn: row.fps_in,
    fpsOut: row.fps_out,
    dropped: row.dropped,
  };
}

export function createHealthRepository(db: Database, clock: () => number, retentionMs: number): HealthRepository {
  if (!Number.isSafeInteger(retentionMs) || retentionMs <= 0) {
    throw new RangeError(`health retention must be a positive number of milliseconds, got ${retentionMs}`);
  }
  const insert: Statement<[Omit<HealthRow, 'id'>]> = db.prepare(
    'INSERT INTO camera_health (camera, at, state, detail, fps_in, fps_out, dropped) ' +
      'VALUES (@camera, @at, @state, @detail, @fps_in, @fps_out, @dropped)',
  );
  const latestOne: Statement<[string], HealthRow> = db.prepare(
    `SELECT ${COLUMNS} FROM camera_health WHERE camera = ? ORDER BY at DESC, id DESC LIMIT 1`,
  );
  const latestEach: Statement<[], HealthRow> = db.prepare(`SELECT ${COLUMNS} FROM camera_health AS h
    WHERE NOT EXISTS (SELECT 1 FROM camera_health AS n
      WHERE n.camera = h.camera AND (n.at > h.at OR (n.at = h.at AND n.id > h.id)))
    ORDER BY camera`);
  const pruneOlder: Statement<[number]> = db.prepare(`DELETE FROM camera_health AS h
    WHERE h.at < ? AND EXISTS (SELECT 1 FROM camera_health AS n WHERE n.camera = h.camera AND n.at > h.at)`);

  let lastPruneAt = Number.NEGATIVE_INFINITY;
  const prune = (before: number): number => pruneOlder.run(validate('health.prune', epochMs, before)).changes;

  return {
    record(sample) {
      const s = validate(`health.record(${String((sample as { camera?: unknown } | null)?.camera)})`, sampleSchema, sample);
      const row = {
        camera: s.camera, at: s.at ?? clock(), state: s.state, detail: s.detail,
        fps_in: s.fpsIn, fps_out: s.fpsOut, dropped: s.dropped,
      };
      const id = Number(insert.run(row).lastInsertRowid);
      if (row.at - lastPruneAt >= PRUNE_INTERVAL_MS) {
        lastPruneAt = row.at;
        prune(Math.max(0, row.at - retentionMs));
      }
      return toRecord({ id, ...row });
    },
    latest(camera) {
      const row = latestOne.get(camera);
      return row === undefined ? undefined : toRecord(row);
    },
    latestAll() {
      return latestEach.all().map(toRecord);
    },
    prune,
  };
}
